"""Every command has help text (as sqlite-utils checks its own)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from review.cli import cli


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_help(name: str) -> None:
    command = cli.commands[name]
    assert command.help, f"{name} is missing its help"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


def test_expected_commands_exist() -> None:
    assert {"init", "import", "export", "status", "demo", "simulate", "open"} <= set(cli.commands)
