"""The review screen's keys: defaults, and remapping from config files.

Every action has a stable id (e.g. ``relevant``). A project can remap keys in
its config (``ReviewConfig.keys``: action id -> key) and a reviewer in
``~/.config/review/keys.toml``::

    [keys]
    relevant = "y"
    not_relevant = "x"
    skip = "space,k"    # several keys: comma-separated

The reviewer's file wins over the project. Unknown actions and keys bound
twice are reported and ignored, never fatal: the screen still opens.
"""

from __future__ import annotations

import dataclasses

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding


@dataclass(frozen=True)
class KeyAction:
    """One remappable action of the review screen."""

    id: str
    """Stable name used in config files and as the Textual binding id."""
    key: str
    """Default key(s), comma-separated, Textual key names."""
    action: str
    """The Textual action it runs."""
    description: str
    """Short label for the footer and the help screen."""
    footer: bool = True
    """Shown in the footer (the help screen shows every action)."""


REVIEW_ACTIONS: tuple[KeyAction, ...] = (
    KeyAction("relevant", "r", "decide('positive')", "Relevant"),
    KeyAction("not_relevant", "n", "decide('negative')", "Not relevant"),
    KeyAction("skip", "s", "decide('skipped')", "Skip"),
    KeyAction("undo", "u", "undo", "Undo"),
    KeyAction("note", "a", "note", "Note", footer=False),
    KeyAction("tags", "t", "tags", "Tags", footer=False),
    KeyAction("search", "slash", "search", "Search"),
    KeyAction("history", "h", "history", "History"),
    KeyAction("strategy", "m", "strategy", "Strategy", footer=False),
    KeyAction("previous", "p,left", "previous", "Previous", footer=False),
    KeyAction("next", "right", "next", "Next", footer=False),
    KeyAction("model_terms", "e", "toggle_terms", "Model terms", footer=False),
    KeyAction("edit_terms", "i", "edit_terms", "Edit terms", footer=False),
    KeyAction("validate", "v", "validate", "Elusion sample: draw / abandon", footer=False),
    KeyAction("help", "question_mark", "help", "Help"),
    KeyAction("quit", "q", "quit", "Quit"),
)
"""Actions of the review screen, in help-screen order."""

ACTION_IDS = frozenset(a.id for a in REVIEW_ACTIONS)
LABEL_ACTIONS = ("relevant", "not_relevant", "skip")
"""Actions the search and history screens reuse (same keys) to label a chosen row."""

USER_KEYS_FILE = Path(os.environ.get("XDG_CONFIG_HOME", Path.home() / ".config")) / "review" / "keys.toml"
"""Where a reviewer's own key remapping lives."""

_SHORT = {"slash": "/", "question_mark": "?", "left": "←", "right": "→", "space": "space", "comma": ","}


def read_user_keys(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """Read a reviewer's keys.toml (a ``[keys]`` table, or top-level pairs).

    Args:
        path: The file; defaults to `USER_KEYS_FILE`. A missing file is not an error.

    Returns:
        (action id -> key, problems found).
    """
    path = USER_KEYS_FILE if path is None else path
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return {}, [f"Ignoring {path}: {exc}"]
    table = data.get("keys", data)
    if not isinstance(table, dict):
        return {}, [f"Ignoring {path}: [keys] must be a table of action = \"key\"."]
    keys = {str(k): v for k, v in table.items() if isinstance(v, str)}
    bad = [str(k) for k, v in table.items() if not isinstance(v, str)]
    return keys, [f"{path}: the key for {k!r} must be a string." for k in bad]


def build_keymap(project: Mapping[str, str], user: Mapping[str, str]) -> tuple[dict[str, str], list[str]]:
    """Merge the project's and the reviewer's remapping over the defaults.

    Args:
        project: action id -> key(s) from the project config.
        user: action id -> key(s) from the reviewer's file (wins over `project`).

    Returns:
        (keymap for `App.set_keymap`: only remapped actions, problems found).
        A key claimed by two actions keeps neither remapping.
    """
    problems: list[str] = []
    wanted: dict[str, str] = {}
    for source in (project, user):
        for action, key in source.items():
            if action not in ACTION_IDS:
                problems.append(f"Unknown action {action!r} in key config (known: {', '.join(sorted(ACTION_IDS))}).")
                continue
            normalised = normalise_keys(key)
            if not normalised:
                problems.append(f"Empty key for {action!r} in key config.")
                continue
            wanted[action] = normalised
    effective = {a.id: wanted.get(a.id, a.key) for a in REVIEW_ACTIONS}
    owners: dict[str, list[str]] = {}
    for action, keys in effective.items():
        for key in keys.split(","):
            owners.setdefault(key, []).append(action)
    for key, actions in owners.items():
        if len(actions) > 1:
            remapped = [a for a in actions if a in wanted]
            problems.append(f"Key {display_key(key)!r} is given to {' and '.join(actions)}; keeping the defaults.")
            for action in remapped:
                wanted.pop(action, None)
    return wanted, problems


def normalise_keys(keys: str) -> str:
    """Textual key names for a user's spelling: "/" -> "slash", "Space" -> "space"."""
    names = {"/": "slash", "?": "question_mark", ",": "comma", " ": "space", ".": "full_stop",
             "[": "left_square_bracket", "]": "right_square_bracket", "-": "minus", "+": "plus"}
    out = []
    for key in keys.split(",") if keys.strip() != "," else [","]:
        key = key.strip() if key.strip() else key
        if not key:
            continue
        out.append(names.get(key, key if len(key) == 1 else key.lower()))
    return ",".join(out)


def display_key(keys: str) -> str:
    """A short human form of a binding's key(s): "p,left" -> "p / ←"."""
    return " / ".join(_SHORT.get(k, k) for k in keys.split(","))


def effective_keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Action id -> the key(s) in force, for the help screen."""
    return {a.id: keymap.get(a.id, a.key) for a in REVIEW_ACTIONS}


def review_bindings() -> list[Binding]:
    """The review screen's Textual bindings (ids = action ids, so keymaps apply)."""
    return [
        Binding(a.key, a.action, a.description, show=a.footer, id=a.id) for a in REVIEW_ACTIONS
    ]


def label_bindings() -> list[Binding]:
    """Bindings for labelling a chosen row (search, history): same ids as the review screen."""
    by_id = {a.id: a for a in REVIEW_ACTIONS}
    return [
        Binding(by_id[i].key, by_id[i].action.replace("decide", "label_row"), by_id[i].description, id=i)
        for i in LABEL_ACTIONS
    ]


def label_key_names(positive: str, negative: str) -> dict[str, str]:
    """Action id -> description for the two label keys, from a project's own label names."""
    return {"relevant": positive[:1].upper() + positive[1:], "not_relevant": negative[:1].upper() + negative[1:]}


def name_label_keys(node: object, positive: str, negative: str) -> None:
    """Show a project's own label names (e.g. "Responsive") on the r / n bindings of `node`.

    Textual keeps a per-instance copy of the bindings (`_bindings`); when a
    future version does not, the default names stay: nothing breaks.
    """
    names = label_key_names(positive, negative)
    bindings = getattr(node, "_bindings", None)
    table = getattr(bindings, "key_to_bindings", None)
    if not isinstance(table, dict):
        return
    for key, entries in table.items():
        table[key] = [dataclasses.replace(b, description=names[b.id]) if b.id in names else b for b in entries]
