"""The demo corpus: a deterministic generator of a small, realistic review task.

Kestrel Packaging Ltd makes corrugated boxes. The review question: which
documents are about the secret understanding between Kestrel's sales
director and Ardmore Cartons, a competitor, to align prices and share out
grocery customers in 2023 (code name "Harbour")? About 8% of the documents
are relevant. Many others are near misses: lawful price rises, public news
about Ardmore's prices, competition-law training, the trade association,
the Harbour Street warehouse move and Ardmore's ordinary purchases of liner
from Kestrel's mill. The rest is everyday office traffic.

`write_demo(folder)` writes `folder/docs/` (e-mails .eml, memos .txt,
meeting notes .md and intranet pages .html), the answer key
`folder/labels.csv` (id,label with 1 = relevant) and `folder/README.md`.
The output depends only on `seed`.
"""

from __future__ import annotations

import csv
import io
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

from review.hashing import content_hash

SEED = 2023
N_RELEVANT = 34
N_NEAR_MISS = 112
N_GENERAL = 254
N_DUPLICATES = 6

_FOLDERS = {"eml": ("mail", "eml"), "txt": ("memos", "txt"), "md": ("notes", "md"),
            "html": ("intranet", "html"), "chat": ("chats", "txt")}
_SLOT = re.compile(r"\{(\w+)\}")
_START = datetime(2023, 1, 9, 8, 0, tzinfo=timezone.utc)


@dataclass(frozen=True)
class DemoDocument:
    """One generated document: where it goes, its file content and its label."""

    doc_id: str
    content: str
    relevant: bool


def generate(seed: int = SEED) -> list[DemoDocument]:
    """Generate the demo documents (the same list for the same seed)."""
    rng = random.Random(seed)
    plan = [(t, True) for t in _spread(RELEVANT, N_RELEVANT, rng)]
    plan += [(t, False) for t in _spread(NEAR_MISS, N_NEAR_MISS, rng)]
    plan += [(t, False) for t in _spread(GENERAL, N_GENERAL, rng)]
    rng.shuffle(plan)
    seen: set[str] = set()
    counters = {kind: 0 for kind in _FOLDERS}
    docs: list[DemoDocument] = []
    for template, relevant in plan:
        for _ in range(20):
            body_text, content = _render(template, rng)
            key = content_hash(body_text)
            if key not in seen:
                break
        seen.add(key)
        counters[template.kind] += 1
        folder, ext = _FOLDERS[template.kind]
        doc_id = f"{folder}/{folder[:4]}-{counters[template.kind]:04d}.{ext}"
        docs.append(DemoDocument(doc_id, content, relevant))
    relevant = [d for d in docs if d.relevant]
    others = [d for d in docs if not d.relevant]
    for original in rng.sample(relevant, 1) + rng.sample(others, N_DUPLICATES - 1):  # saved copies
        name = original.doc_id.split("/")[-1]
        docs.append(DemoDocument(f"shared/copy of {name}", original.content, original.relevant))
    return docs


def write_demo(folder: Path, seed: int = SEED) -> None:
    """Write the demo corpus, its answer key and a README into `folder`.

    Args:
        folder: Created if missing; `docs/`, `labels.csv` and `README.md`
            inside it are overwritten.
        seed: The generator's seed.
    """
    docs = generate(seed)
    for doc in docs:
        path = folder / "docs" / doc.doc_id
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(doc.content.encode("utf-8"))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["id", "label"])
    for doc in sorted(docs, key=lambda d: d.doc_id):
        writer.writerow([doc.doc_id, 1 if doc.relevant else 0])
    (folder / "labels.csv").write_bytes(out.getvalue().encode("utf-8"))
    relevant = sum(d.relevant for d in docs)
    (folder / "README.md").write_bytes(_README.format(n=len(docs), relevant=relevant, seed=seed).encode("utf-8"))


def _spread(templates: list[Template], n: int, rng: random.Random) -> list[Template]:
    """`n` templates using every one about equally often."""
    picks = [templates[i % len(templates)] for i in range(n)]
    rng.shuffle(picks)
    return picks


def _render(template: Template, rng: random.Random) -> tuple[str, str]:
    """Fill a template's slots; return (the text a reader will extract, the file content)."""
    sender, recipient = template.sender or rng.choice(PEOPLE), template.recipient or rng.choice(PEOPLE)
    if recipient == sender:
        recipient = PEOPLE[(PEOPLE.index(sender) + 1) % len(PEOPLE)] if sender in PEOPLE else PEOPLE[0]
    when = _START + timedelta(days=rng.randrange(0, 330), minutes=rng.randrange(0, 600))
    values = {
        "sender": sender[0], "sender_first": sender[0].split()[0], "sender_role": sender[2],
        "recipient": recipient[0], "recipient_first": recipient[0].split()[0],
        "date": when.strftime("%d %B %Y"), "ref": f"{rng.randrange(100, 999)}/{when:%y}",
    }

    def slot(match: re.Match[str]) -> str:  # one value per slot name in a document
        name = match.group(1)
        if name not in values:
            values[name] = rng.choice(SLOTS[name])
        return values[name]

    def fill(text: str) -> str:
        return _SLOT.sub(slot, text)

    subject = fill(template.subject)
    paragraphs = [fill(p) for p in template.body]
    extras = [fill(p) for p in template.extras]
    rng.shuffle(extras)
    at = len(paragraphs) if template.kind == "chat" else max(1, len(paragraphs) - 1)
    paragraphs[at:at] = extras[: rng.randrange(0, len(extras) + 1)]
    body = "\n\n".join(paragraphs)
    if template.kind == "eml":
        text = f"{body}\n\n{sender[0]}\n{sender[2]}, Kestrel Packaging Ltd" if "@kestrel" in sender[1] else f"{body}\n\n{sender[0]}"
        to_addr = f"{recipient[0]} <{recipient[1]}>"
        headers = (
            f"From: {sender[0]} <{sender[1]}>\nTo: {to_addr}\nDate: {format_datetime(when)}\n"
            f"Subject: {subject}\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
            "Content-Transfer-Encoding: 8bit\n\n"
        )
        return text, headers + text + "\n"
    if template.kind == "html":
        html_paragraphs = "\n".join(f"<p>{p}</p>" for p in paragraphs)
        page = (
            f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{subject}</title>"
            "<style>body { font-family: sans-serif }</style></head>\n<body>\n"
            f"<nav>Kestrel intranet | News | People | Policies</nav>\n<h1>{subject}</h1>\n"
            f"<p class=\"meta\">Posted {values['date']} by {sender[0]}</p>\n{html_paragraphs}\n</body></html>\n"
        )
        return body, page
    if template.kind == "chat":
        text = f"Chat export: {subject}\n\n{body}\n"
        return text, text
    if template.kind == "md":
        text = f"# {subject}\n\n*{values['date']}*\n\n{body}\n"
        return text, text
    text = (
        f"Memo: {subject}\n\nTo: {recipient[0]}\nFrom: {sender[0]}, {sender[2]}\nDate: {values['date']}\n\n{body}\n"
    )
    return text, text


@dataclass(frozen=True)
class Template:
    """A document pattern; `{slot}`s are filled from `SLOTS` or the sender/recipient/date."""

    kind: str
    subject: str
    body: tuple[str, ...]
    extras: tuple[str, ...] = ()
    sender: tuple[str, str, str] | None = None
    recipient: tuple[str, str, str] | None = None


HALE = ("Martin Hale", "martin.hale@kestrelpack.example", "Sales Director")
HALE_HOME = ("Martin Hale", "mhale.home@fastmail.example", "Sales Director")
REEVE = ("Colin Reeve", "colin.r@ardmorecartons.example", "Commercial Director, Ardmore Cartons")
NAIR = ("Priya Nair", "priya.nair@kestrelpack.example", "Commercial Manager")
BECKER = ("Tom Becker", "tom.becker@kestrelpack.example", "Key Account Manager")
GRANT = ("Olivia Grant", "olivia.grant@kestrelpack.example", "Chief Financial Officer")
OKAFOR = ("Sam Okafor", "sam.okafor@kestrelpack.example", "Head of Operations")
LYONS = ("Rachel Lyons", "rachel.lyons@kestrelpack.example", "HR Manager")
CARTER = ("Ben Carter", "ben.carter@kestrelpack.example", "IT Support")
MARSH = ("Helen Marsh", "helen.marsh@kestrelpack.example", "General Counsel")
DUNN = ("Jack Dunn", "jack.dunn@kestrelpack.example", "Plant Manager, Northgate Mill")
WEBB = ("Anna Webb", "anna.webb@kestrelpack.example", "Purchasing Lead")
BUYER = ("Laura Finch", "l.finch@freshmart.example", "Packaging Buyer, FreshMart")
ALL = ("All staff", "all-staff@kestrelpack.example", "")
PEOPLE = [HALE, NAIR, BECKER, GRANT, OKAFOR, LYONS, CARTER, MARSH, DUNN, WEBB]

SLOTS: dict[str, list[str]] = {
    "customer": ["Briar Dairy", "Hollis Brewing", "Pennant Pet Foods", "Orchard Juice Co", "Calder Frozen Foods"],
    "grocer": ["FreshMart", "Valemont Foods", "GreenBasket", "Corner Grocer Co-op"],
    "pct": ["4%", "5%", "6%", "7%", "8%", "9%"],
    "price": ["£212", "£226", "£231", "£238", "£245", "£251", "£263"],
    "product": ["single-wall RSC cases", "double-wall shelf-ready trays", "printed display boxes",
                "die-cut produce trays", "heavy-duty export cases", "e-commerce mailer boxes"],
    "month": ["February", "March", "April", "May", "June", "September", "October", "November"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    "day": [str(d) for d in range(3, 27)],
    "venue": ["the Anchor", "Luca's on Quay Road", "the bar of the Harbour Hotel", "the Grange golf club"],
    "tonnes": ["20", "40", "60", "80", "120"],
    "grade": ["kraft liner", "test liner", "fluting medium", "white-top liner"],
    "plant": ["Northgate Mill", "the Corby converting plant", "the Leeds site"],
    "amount": ["312", "486", "540", "733", "1,120"],
    "n": [str(n) for n in range(2, 51)],
    "hours": ["6", "8", "12", "14", "20"],
    "machine": ["the BHS corrugator", "the flexo printer", "the die-cutter", "the stitcher-gluer"],
    "starter": ["Maya Patel (customer service)", "Owen Price (maintenance)", "Lucy Chen (finance)"],
    "starter2": ["Daniel Ross (quality)", "Grace Ali (design studio)", "Ravi Kumar (planning)"],
}

RELEVANT = [
    Template("eml", "Production plan - {month}", (
        "Jack,",
        "The plan for {month} is on the shared drive. Corrugator crews stay on three shifts and the "
        "{machine} service moves to the last week of the month.",
        "Martin says we will not get the {customer} volume this year - it goes to Ardmore as part of what "
        "was agreed with them - so plan {plant} without it.",
        "Shout if the overtime budget looks wrong."), (
        "Reel stocks are fine for now.",), OKAFOR, DUNN),
    Template("eml", "Account plan - {grocer}", (
        "Tom,",
        "Attached is the draft account plan for {grocer}: volumes, artwork calendar and the service review.",
        "On price, Martin's instruction is no discounts and no chasing Ardmore's accounts while the "
        "understanding with them holds. Please don't write that into the plan itself.",
        "Can we go through it on {weekday}?"), (
        "Their sustainability team wants a call about recycled content.",), NAIR, BECKER),
    Template("md", "Sales team meeting", (
        "Attendees: MH, PN, TB.",
        "- Artwork backlog: two weeks; studio to prioritise {customer}.",
        "- MH: Ardmore will follow our rise of {pct}; nobody quotes below {price} to any grocer. Not to be "
        "minuted or repeated outside this room.",
        "- Samples for the {product} trial due {weekday}."), (
        "- Expenses to be submitted by month end.",), NAIR, HALE),
    Template("eml", "Re: next month", (
        "Colin,",
        "Good to catch up at {venue}. As discussed, we will write to the grocery accounts on the {day}th "
        "with an increase of {pct} across {product}, effective 1 {month}.",
        "You said you would follow within two weeks at the same level. Keep the timing a little loose so "
        "it does not look as if we moved together.",
        "Best not to reply to my work address on this."), (
        "If {grocer} pushes back I will hold firm; I trust you will not use it to take volume from us.",
        "Same arrangement as last time on the smaller accounts.",
        "I have told Priya only what she needs to know."), HALE_HOME, REEVE),
    Template("eml", "Harbour - {grocer}", (
        "Martin,",
        "Confirming we will quote {grocer} at {price} per thousand on the {product} tender, comfortably "
        "above your number, so the business stays with you.",
        "In return we expect a clear run at {customer} when their contract comes up in {month}.",
        "Call me on the mobile rather than email if anything changes."), (
        "Our board knows nothing about this and I would like to keep it that way.",
        "Let's review how Harbour is holding up when we next meet.",
        "My people have been told not to chase your grocery accounts."), REEVE, HALE_HOME),
    Template("eml", "{grocer} renewal - no discount", (
        "Priya,",
        "Please do not offer {grocer} any discount on the renewal. Ardmore will not bid below us; I have "
        "spoken to Colin and the understanding holds.",
        "If their buyer says Ardmore is cheaper, it is a bluff.",
        "Keep this between the two of us and do not put it in the account notes."), (
        "We agreed a floor of {price} per thousand on {product} with them.",
        "Colin's team will send a quote above ours if they are asked."), HALE, NAIR),
    Template("txt", "Harbour - position for {month}", (
        "Position agreed with C.R. (Ardmore) for the grocery sector:",
        "1. List price increase of {pct} on {product}; Kestrel announces first, Ardmore follows within 14 days.",
        "2. Neither side quotes below {price} per thousand to the major grocers.",
        "3. {grocer} stays with Kestrel; {customer} goes to Ardmore at renewal and we put in a cover bid.",
        "4. Monthly check-in by phone only. No e-mail, nothing on the shared drive.",
        "Destroy after reading."), (
        "Ardmore to hold its Leeds prices until the end of the quarter.",
        "Any customer complaint about the rise to be answered with paper costs only."), HALE, NAIR),
    Template("md", "Notes - dinner with C.R.", (
        "Present: MH, CR (Ardmore). {venue}.",
        "- Both sides squeezed by paper costs; agreed the market can take {pct}.",
        "- Kestrel announces first, Ardmore follows. No undercutting on the grocers.",
        "- CR asked that we stay out of the {customer} tender. Agreed.",
        "- Next catch-up after the CPF meeting, same place."), (
        "- CR will send their new list to my personal address before it goes out.",
        "- Keep Harbour to the two of us; nothing to the teams beyond instructions.",
        "- Agreed {price} per thousand as the floor on {product}."), HALE, NAIR),
    Template("eml", "{grocer} quote", (
        "Martin,",
        "{grocer}'s buyer told me today that Ardmore quoted exactly our number again on {product}, "
        "{price} per thousand, to the penny.",
        "Third time this year. I assume that is the arrangement you mentioned working as planned?",
        "Should I stop chasing their extra volume, as you said?"), (
        "She also let slip that Ardmore's letter went out the week after ours, same {pct}.",), BECKER, HALE),
    Template("eml", "Re: Ardmore", (
        "Tom,",
        "Yes, that is expected, and it is not something to discuss on e-mail. Delete your last message.",
        "Do not chase {customer}; that account is Ardmore's this year and we agreed to leave it alone.",
        "We can talk properly on {weekday}."), (
        "Colin and I have an understanding on the grocers that suits both companies.",), HALE, BECKER),
    Template("chat", "Martin Hale and Colin R", (
        "[{date} 21:14] Colin R: letters going out {weekday}?",
        "[{date} 21:16] Martin Hale: yes, {pct} on everything grocery from 1 {month}",
        "[{date} 21:17] Colin R: ok we follow 2 weeks later, same number",
        "[{date} 21:19] Martin Hale: {customer} is yours, we will bid high",
        "[{date} 21:20] Colin R: perfect. delete this thread"), (
        "[{date} 21:22] Martin Hale: and hold {price} on {grocer} please",), HALE, REEVE),
    Template("eml", "Forecast assumptions", (
        "Martin,",
        "The margin uplift in the {month} forecast assumes we lose no grocery volume after the {pct} "
        "increase. That only works if Ardmore follows us.",
        "How confident are you that they will?",
        "> Very. It has been agreed at the top with Colin Reeve. Please don't circulate the reasoning. - M"), (
        "The board pack needs a sentence on competitor reaction.",), GRANT, HALE),
    Template("eml", "New price list - Colin first", (
        "Priya,",
        "Before the new list for {product} goes out on {weekday}, send a copy to Colin Reeve at his "
        "personal address. He wants to line Ardmore's up against it.",
        "Do not use the company system for this, and do not copy anyone."), (
        "He will send theirs back the same day.",), HALE, NAIR),
    Template("eml", "{customer} tender", (
        "Tom,",
        "Put in a high bid for {customer}, at least {price} per thousand. It is Ardmore's turn on this "
        "one and they are counting on us not to win it.",
        "Make it look like a real bid: full specification, delivery schedule, the usual."), (
        "We get {grocer} in return, so it is worth it.",), HALE, BECKER),
    Template("eml", "Re: lunch", (
        "Martin,",
        "Good lunch. For the record, and only for you: we go to {pct} on 1 {month}, letters out the week "
        "after yours. We will leave {grocer} alone as agreed.",), (
        "Harbour is working better than either of us expected.",), REEVE, HALE_HOME),
]

NEAR_MISS = [
    Template("eml", "CPF working group - recycled fibre", (
        "Martin,",
        "As co-chairs of the CPF working group on recycled fibre, could you send Kestrel's comments on the "
        "draft standard by {date}?",
        "Please keep them technical: nothing on prices, costs or customers, as the secretariat reminded us."), (
        "The next working group call is on {weekday}.",), REEVE, HALE),
    Template("eml", "Golf on {weekday}", (
        "Colin,",
        "Are we still on for golf at the Grange on {weekday}? Tee time 08:10, {date}.",
        "Usual rules: no shop talk, loser buys lunch."), (
        "Bring the new driver you keep talking about.",), HALE_HOME, REEVE),
    Template("eml", "Mailbox full - please delete old messages", (
        "Hi,",
        "Your mailbox is over its limit. Please delete old messages or move them to the archive by {date}.",
        "Do not delete anything covered by a legal hold notice; ask Legal if unsure."), (), CARTER, None),
    Template("eml", "Our understanding with {customer}", (
        "Priya,",
        "To confirm the understanding with {customer}: prices on {product} are reviewed every six months "
        "against the published paper index, and they give us 90 days' notice of volume changes.",
        "Please make sure the contract file reflects this."), (
        "Their finance director signed the side letter on {date}.",), HALE, NAIR),
    Template("eml", "Price increase notice - {product}", (
        "Dear Laura,",
        "Because of sustained increases in containerboard and energy costs, Kestrel Packaging will increase "
        "prices on the {product} we supply to FreshMart by {pct} from 1 {month}.",
        "We have absorbed as much as we can this year and will keep you informed of any further change.",
        "Thank you for your understanding."), (
        "Your account manager will be happy to talk through the detail.",
        "Orders placed before the date will be invoiced at current prices."), NAIR, BUYER),
    Template("eml", "Ardmore in the trade press", (
        "Martin,",
        "Packaging News reports this morning that Ardmore Cartons has announced a {pct} increase from "
        "1 {month}, citing paper costs.",
        "We have not seen their customer letters. Worth noting for our own pricing review, which we "
        "should decide on our own costs as usual."), (
        "Two other box makers announced similar rises last month.",
        "The article is on the shared drive under Market Intelligence."), BECKER, HALE),
    Template("eml", "Competition law refresher - action needed", (
        "Dear colleagues,",
        "A reminder that you must never discuss prices, margins, bids or customers with anyone from a "
        "competitor, including Ardmore Cartons, whether at trade association events or socially.",
        "If a competitor raises pricing, leave the conversation, make a note and tell Legal the same day.",
        "The online training module must be completed by {date}."), (
        "Price fixing and bid rigging are criminal offences and carry heavy fines.",
        "Questions to me or to the compliance mailbox."), MARSH, ALL),
    Template("md", "CPF autumn meeting - agenda", (
        "Corrugated Packaging Federation members' meeting, Harbour Hotel, 10:00.",
        "1. Competition law statement (read by the chair); no discussion of prices, customers or bids.",
        "2. Recycled fibre quality standards.",
        "3. Driver shortage and transport costs.",
        "4. Extended producer responsibility fees.",
        "Attending for Kestrel: Martin Hale, Sam Okafor. Ardmore Cartons and six other members also attending."), (
        "5. Date of the spring meeting.",
        "Lunch provided; please send dietary requirements to the secretariat."), OKAFOR, HALE),
    Template("eml", "Project Harbour - warehouse move", (
        "Hi all,",
        "The move of finished-goods stock to the new Harbour Street warehouse starts on {weekday}. "
        "Project Harbour is on schedule.",
        "Loading bays 3 and 4 at {plant} will close for {hours} hours while the racking is moved.",
        "Please route urgent orders through customer service."), (
        "The new site adds 4,000 pallet spaces.",
        "Forklift drivers need the Harbour Street site induction before their first shift."), OKAFOR, ALL),
    Template("eml", "Ardmore order - {tonnes}t {grade}", (
        "Anna,",
        "Ardmore Cartons placed their monthly order for {tonnes} tonnes of {grade} from {plant}, at the "
        "supply contract price.",
        "Delivery in the week of {date}. Please raise the sales order and check their credit limit."), (
        "They buy from the mill under the contract signed in 2021, as other converters do.",
        "Quality certificates to go with the delivery."), DUNN, WEBB),
    Template("eml", "Rebate approval - {customer}", (
        "Martin,",
        "Requesting approval for a {pct} volume rebate for {customer} on {product}, in return for a "
        "two-year supply commitment.",
        "Margin stays above target at {price} per thousand net."), (
        "Finance have checked the numbers.",
        "Their buyer wants an answer by {weekday}."), NAIR, HALE),
    Template("txt", "Pricing review - {month}", (
        "Containerboard costs are up again this quarter and energy costs remain high.",
        "Recommendation: increase list prices on {product} by {pct}, based on our own cost base.",
        "Published competitor lists suggest the market has moved by a similar amount.",
        "Decision for the executive meeting on {weekday}."), (
        "Customers with index-linked contracts will move automatically.",
        "We should expect some loss of volume at the smaller accounts."), GRANT, HALE),
    Template("eml", "Candidate from Ardmore", (
        "Martin,",
        "On {date} we received an application for the sales coordinator role from someone currently at Ardmore Cartons.",
        "As usual, the candidate must not bring or share any confidential information from their employer, "
        "including prices or customer lists. Legal will brief them if we make an offer."), (
        "Interviews are on {weekday}.",), LYONS, HALE),
    Template("eml", "{grocer} negotiation", (
        "Martin,",
        "Their buyer is pushing for a 3% reduction and says other suppliers have offered better terms.",
        "I suggest we hold at {price} per thousand and offer faster delivery and free artwork changes instead."), (
        "Volumes are up {pct} on last year, so we have some leverage.",), BECKER, HALE),
    Template("html", "Market update: containerboard prices", (
        "Industry indices show containerboard prices rising for the third month running.",
        "Several box makers, including Ardmore Cartons, have publicly announced price increases of around {pct}.",
        "Our own prices are set independently on the basis of our costs; the commercial team will brief "
        "customers directly."), (
        "Energy costs at {plant} rose again in {month}.",), GRANT, ALL),
    Template("eml", "Invitation to tender - {product}", (
        "Dear Tom,",
        "FreshMart invites Kestrel Packaging to tender for the supply of {product} for the next two years.",
        "Please submit pricing per thousand, lead times and sustainability credentials by {date}."), (
        "Samples to be delivered to our Daventry depot.",), BUYER, BECKER),
]

GENERAL = [
    Template("eml", "Planned system maintenance - {weekday}", (
        "Hi all,",
        "The order system and e-mail will be unavailable from 18:00 on {weekday} for about {hours} hours "
        "while we install updates.",
        "Please save your work and log out before you leave."), (
        "The warehouse scanners are not affected.",), CARTER, ALL),
    Template("eml", "Holiday requests for {month}", (
        "Hi everyone,",
        "Please submit holiday requests for {month} through the HR portal by {date}.",
        "Managers, please approve pending requests before the end of the week."), (
        "Remember that the mill shutdown days are fixed.",), LYONS, ALL),
    Template("eml", "Payroll date change", (
        "Dear colleagues,",
        "Because of the bank holiday, salaries will be paid one day early, on {date}.",
        "Payslips will be available on the portal the day before."), (), LYONS, ALL),
    Template("html", "Welcome to our new starters", (
        "Please give a warm welcome to {starter}, who joined this week.",
        "Also joining us: {starter2}.",
        "Say hello in the canteen."), (), LYONS, ALL),
    Template("html", "Charity bake sale raises £{amount}", (
        "Thank you to everyone who baked, bought and ate for the hospice appeal.",
        "The bake sale at {plant} raised £{amount}, which the company will match."), (
        "The lemon drizzle sold out in ten minutes.",), LYONS, ALL),
    Template("eml", "Production report week {n}", (
        "All,",
        "Output at {plant} was on plan this week. Downtime on {machine} was {hours} hours, mainly for a "
        "belt change.",
        "Waste was below target for the second week running."), (
        "Night shift covered two absences without overtime.",
        "Next week's plan is on the shared drive."), OKAFOR, HALE),
    Template("txt", "Forklift incident at {plant}", (
        "On {weekday} a forklift clipped a racking upright in the finished goods area. Nobody was hurt.",
        "The racking has been inspected and the bay closed until repaired.",
        "All drivers to attend a toolbox talk this week."), (
        "The incident is logged as reference H&S-{n}.",), OKAFOR, DUNN),
    Template("eml", "Maintenance shutdown - {machine}", (
        "Hi Sam,",
        "{machine} at {plant} will be down for planned maintenance on {weekday} for {hours} hours.",
        "Planning have moved the affected orders forward."), (
        "The engineers from the manufacturer arrive at 06:00.",), DUNN, OKAFOR),
    Template("eml", "Invoice query - inks and starch", (
        "Hi,",
        "Invoice {ref} from our ink supplier charges for {tonnes} drums but we received fewer.",
        "Could you check the delivery notes before we pay?"), (
        "Starch deliveries were correct.",), WEBB, GRANT),
    Template("eml", "Damaged delivery - {customer}", (
        "Sam,",
        "{customer} reports that a pallet of {product} arrived crushed on {weekday}.",
        "Please arrange a replacement and check the haulier's loading photos."), (
        "They were polite about it but want a call.",), BECKER, OKAFOR),
    Template("md", "Operations meeting notes", (
        "Attendees: SO, JD, AW.",
        "- Deliveries: on-time rate {pct} below target because of driver shortages.",
        "- Staffing: two vacancies on the night shift.",
        "- {machine}: spare parts ordered."), (
        "- Fire drill at {plant} next {weekday}.",
        "- New pallet wrap trial starts next month."), OKAFOR, DUNN),
    Template("eml", "Month-end close timetable", (
        "Hi all,",
        "Month-end close starts on {date}: accruals by day 2, stock count results by day 3, draft accounts day 5.",
        "Thanks for your help as always."), (), GRANT, ALL),
    Template("eml", "New laptops", (
        "Hi,",
        "Your replacement laptop is ready for collection from IT on {date}.",
        "Please bring your old one and allow half an hour for set-up."), (), CARTER, None),
    Template("html", "Sustainability: recycled fibre target", (
        "We now use {pct} more recycled fibre than last year across all sites.",
        "Our target is 100% recycled or certified fibre by the end of next year."), (
        "Thanks to the team at {plant} for the water savings project.",), OKAFOR, ALL),
    Template("eml", "Driver shortage - delivery delays", (
        "All,",
        "Our haulier is short of drivers from {date}, so some deliveries will slip by a day.",
        "Customer service will contact affected customers, including {customer}."), (), OKAFOR, ALL),
    Template("md", "Board minutes (extract)", (
        "Item 4: the board approved capital spending on a new flexo printer for {plant}.",
        "Item 5: health and safety report noted; no reportable incidents.",
        "Item 6: next meeting in {month}."), (), GRANT, HALE),
    Template("eml", "Team lunch {weekday}", (
        "Hi all,",
        "Team lunch on {weekday} at 12:30 to celebrate the end of the stock count. Let me know if you can come."), (
        "Vegetarian options available.",), None, ALL),
    Template("txt", "Updated expenses policy", (
        "The expenses policy has been updated. Claims must be submitted within 30 days with receipts.",
        "Mileage is paid at the standard rate. Hotel stays need prior approval."), (), LYONS, ALL),
    Template("eml", "Pallet supplier change", (
        "Hi Sam,",
        "From {date} we will buy pallets from a new local supplier; quality samples passed testing.",
        "Delivery lead time is two days shorter."), (), WEBB, OKAFOR),
    Template("eml", "Artwork approval - {customer}", (
        "Tom,",
        "The studio has finished the artwork for the {customer} {product}. Could you get it approved by {weekday}?",
        "Print slot is booked on {machine}."), (), NAIR, BECKER),
    Template("html", "Site visit from {customer}", (
        "This week we hosted a team from {customer} at {plant}.",
        "They toured the corrugator hall and the design studio and saw our new pallet wrapping line."), (), BECKER, ALL),
    Template("eml", "Customer terms review - {customer}", (
        "Tom,",
        "I have reviewed {customer}'s draft terms of {date}. The liability cap and payment terms need changes before we sign.",
        "Marked-up copy attached."), (), MARSH, BECKER),
]


_README = """# Demo corpus: Kestrel Packaging

A fictional review, generated by `review/demo.py` (seed {seed}); rebuild it with
`python corpora/make_demo.py`.

**The question.** Kestrel Packaging Ltd makes corrugated boxes. Which documents
concern the understanding between Kestrel's sales director, Martin Hale, and
Colin Reeve of Ardmore Cartons, a competitor, to align price rises and share out
grocery customers in 2023 (code name "Harbour")?

**The documents.** {n} e-mails, memos, meeting notes and intranet pages under
`docs/`; {relevant} are relevant. Many others are near misses: lawful price
rises, public news about Ardmore's prices, competition-law training, the trade
association, the Harbour Street warehouse move, and Ardmore's ordinary purchases
of liner from Kestrel's mill. `docs/shared/` holds saved copies (exact
duplicates) of a few documents.

**The answer key.** `labels.csv` (id,label; 1 = relevant), ids as `review
import docs` names the files.
"""
