"""Build the demo course's binary lessons (DOCX, PDF, PPTX) from the texts in this file.

    .venv/bin/python assets/demo_course/build_demo_course.py

The Markdown (fractions.md) and HTML (photosynthesis.html) lessons are edited by hand; this script
writes newtons_laws.docx, ohms_law.pdf and water_cycle.pptx next to itself. The output is byte-stable
(fixed dates, fixed zip timestamps), so rebuilding without editing changes nothing and the studio's
content-hash dedup still recognises the files. The PDF is a text PDF (core fonts, latin-1 only).
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIXED_DATE = dt.datetime(2025, 1, 6, 9, 0, 0, tzinfo=dt.UTC)
Block = tuple[str, object]

NEWTON: list[Block] = [
    ("h1", "Lesson 3: Newton's laws of motion"),
    (
        "p",
        "Isaac Newton published three laws in 1687 that describe how forces change the motion of objects. "
        "A force is a push or a pull, measured in newtons (N). One newton is the force that makes a 1 kg "
        "mass speed up by 1 metre per second every second.",
    ),
    ("h2", "The first law: inertia"),
    (
        "p",
        "An object stays at rest, or keeps moving in a straight line at a constant speed, unless a resultant "
        "(unbalanced) force acts on it. This resistance to a change in motion is called inertia. A passenger "
        "lurches forward when a bus brakes suddenly: their body keeps moving while the bus slows down.",
    ),
    (
        "p",
        "When the forces on an object are balanced, the resultant force is zero. A car driving at a steady "
        "70 km/h on a flat road has a driving force exactly equal to the friction and air resistance on it.",
    ),
    ("h2", "The second law: F = m × a"),
    (
        "p",
        "The resultant force on an object equals its mass multiplied by its acceleration: F = m × a, with F in "
        "newtons, m in kilograms and a in metres per second squared (m/s²). The same force gives a light object "
        "a larger acceleration than a heavy one.",
    ),
    (
        "p",
        "Worked example: a trolley of mass 2 kg is pushed with a resultant force of 10 N. Its acceleration is "
        "a = F / m = 10 / 2 = 5 m/s². If the mass is doubled to 4 kg, the same push gives only 2.5 m/s².",
    ),
    (
        "p",
        "Weight is a force too: weight = mass × gravitational field strength. On Earth the field strength is "
        "about 9.8 N/kg, so a 50 kg student weighs about 490 N. On the Moon (1.6 N/kg) the same student "
        "weighs only 80 N, although their mass is still 50 kg.",
    ),
    ("h2", "The third law: action and reaction"),
    (
        "p",
        "When object A pushes on object B, B pushes back on A with a force of the same size in the opposite "
        "direction. The two forces act on different objects, so they never cancel each other out.",
    ),
    (
        "bullets",
        [
            "A swimmer pushes water backwards; the water pushes the swimmer forwards.",
            "A rocket pushes hot gas down out of its engines; the gas pushes the rocket up.",
            "You push down on the floor with your weight; the floor pushes up on you with the same force.",
        ],
    ),
    ("h2", "Check your understanding"),
    (
        "numbered",
        [
            "Why does a book on a table not move, even though gravity pulls on it?",
            "A 1200 kg car accelerates at 3 m/s². What resultant force acts on it?",
            "A skater pushes off a wall and moves backwards. Which law explains this, and why?",
        ],
    ),
]

OHM: list[Block] = [
    ("h1", "Lesson 4: Ohm's law and electric circuits"),
    (
        "p",
        "An electric current is a flow of charge, measured in amperes (A). A current only flows around a "
        "complete circuit, pushed by a potential difference (voltage), measured in volts (V), from a cell "
        "or a battery. Every component resists the flow to some degree; this resistance is measured in "
        "ohms.",
    ),
    ("h2", "Ohm's law"),
    (
        "p",
        "For a resistor at constant temperature, the current is directly proportional to the voltage across "
        "it. Georg Ohm found this in 1827. It is written V = I x R, where V is the voltage in volts, I the "
        "current in amperes and R the resistance in ohms. Rearranged: I = V / R and R = V / I.",
    ),
    (
        "p",
        "Worked example: a 12 V battery is connected to a 4 ohm resistor. The current is I = V / R = 12 / 4 "
        "= 3 A. If the resistance is doubled to 8 ohms, the current halves to 1.5 A.",
    ),
    (
        "table",
        [
            ["Voltage (V)", "Current (A)", "Resistance (ohms)"],
            ["2", "0.5", "4"],
            ["6", "1.5", "4"],
            ["12", "3.0", "4"],
        ],
    ),
    ("h2", "Series circuits"),
    (
        "p",
        "In a series circuit the components are connected one after another in a single loop. The same "
        "current flows through every component, the voltages across the components add up to the supply "
        "voltage, and the total resistance is the sum of the resistances: R total = R1 + R2.",
    ),
    (
        "p",
        "Worked example: a 9 V battery drives a current through a 2 ohm and a 4 ohm resistor in series. The "
        "total resistance is 6 ohms, so the current is 9 / 6 = 1.5 A. The voltage across the 4 ohm resistor "
        "is 1.5 x 4 = 6 V, and across the 2 ohm resistor 3 V: together 9 V, the supply voltage.",
    ),
    ("h2", "Parallel circuits"),
    (
        "p",
        "In a parallel circuit each component has its own branch. Every branch gets the full supply voltage, "
        "and the currents in the branches add up to the current from the supply. Adding another branch "
        "lowers the total resistance, which is why the total current rises.",
    ),
    (
        "p",
        "Worked example: two 6 ohm lamps are connected in parallel to a 6 V supply. Each lamp gets 6 V, so "
        "each carries 6 / 6 = 1 A, and the supply provides 2 A in total. The circuit behaves like a single "
        "3 ohm resistor.",
    ),
    ("h2", "Check your understanding"),
    (
        "numbered",
        [
            "What current flows through a 10 ohm resistor with 5 V across it?",
            "Three 2 ohm resistors are in series with a 12 V battery. What is the current?",
            "Why do the lights in a house stay on when one bulb blows?",
        ],
    ),
]

WATER_CYCLE: list[tuple[str, list[str]]] = [
    (
        "Lesson 5: The water cycle",
        [
            "Earth's water moves continuously between the oceans, the air and the land.",
            "About 97% of Earth's water is salt water in the oceans; only about 3% is fresh water.",
            "The Sun's energy drives the cycle, and gravity brings the water back down.",
        ],
    ),
    (
        "Evaporation and transpiration",
        [
            "Heat from the Sun turns liquid water from oceans, lakes and rivers into water vapour.",
            "About 86% of the water vapour in the air evaporates from the oceans.",
            "Plants release water vapour from their leaves: this is transpiration.",
            "A large oak tree can transpire around 150 litres of water on a hot day.",
        ],
    ),
    (
        "Condensation",
        [
            "Warm, moist air rises and cools; cooler air can hold less water vapour.",
            "The vapour condenses into tiny droplets around dust particles, forming clouds.",
            "Air cools by roughly 6.5 °C for every 1000 m it rises.",
        ],
    ),
    (
        "Precipitation",
        [
            "Droplets in clouds collide and grow until they are too heavy to stay up.",
            "They fall as rain, snow, sleet or hail: this is precipitation.",
            "A typical raindrop is about 2 mm across: about a million cloud droplets.",
        ],
    ),
    (
        "Collection and run-off",
        [
            "Rain soaks into the ground (infiltration) and becomes groundwater.",
            "Water that cannot soak in flows over the surface into streams and rivers: run-off.",
            "Rivers carry the water back to the sea, and the cycle begins again.",
        ],
    ),
    (
        "Worked example: a water budget",
        [
            "A catchment receives 800 mm of rain in a year.",
            "450 mm evaporates or is transpired, and 150 mm soaks into groundwater.",
            "Run-off = 800 - 450 - 150 = 200 mm, a quarter of the rainfall.",
        ],
    ),
    (
        "Check your understanding",
        [
            "Why do puddles disappear faster on a hot, windy day?",
            "Explain why clouds form when air rises over a mountain.",
            "Which would produce more run-off: rain on a car park or on a forest? Why?",
        ],
    ),
]


def build_docx(blocks: list[Block], path: Path) -> None:
    import docx

    document = docx.Document()
    for kind, content in blocks:
        if kind == "h1":
            document.add_heading(str(content), level=1)
        elif kind == "h2":
            document.add_heading(str(content), level=2)
        elif kind == "p":
            document.add_paragraph(str(content))
        elif kind in ("bullets", "numbered"):
            style = "List Bullet" if kind == "bullets" else "List Number"
            for item in content:  # type: ignore[attr-defined]
                document.add_paragraph(item, style=style)
    props = document.core_properties
    props.author, props.title = "Tutor Studio", str(blocks[0][1])
    props.created = props.modified = props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    document.save(str(path))
    _normalise_zip(path)


def build_pdf(blocks: list[Block], path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(str(blocks[0][1]))
    pdf.set_author("Tutor Studio")
    pdf.set_margins(20, 20, 20)
    pdf.add_page()
    for kind, content in blocks:
        if kind in ("h1", "h2"):
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", 18 if kind == "h1" else 14)
            pdf.multi_cell(0, 9, str(content), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "p":
            pdf.set_font("Helvetica", size=11)
            pdf.multi_cell(0, 6, str(content), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind == "numbered":
            pdf.set_font("Helvetica", size=11)
            for number, item in enumerate(content, 1):  # type: ignore[arg-type]
                pdf.multi_cell(0, 6, f"{number}. {item}", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind == "table":
            pdf.set_font("Helvetica", size=11)
            with pdf.table(width=120, align="LEFT") as table:
                for cells in content:  # type: ignore[attr-defined]
                    row = table.row()
                    for cell in cells:
                        row.cell(cell)
            pdf.ln(3)
    pdf.output(str(path))


def build_pptx(slides: list[tuple[str, list[str]]], path: Path) -> None:
    from pptx import Presentation

    presentation = Presentation()
    for number, (title, bullets) in enumerate(slides):
        layout = presentation.slide_layouts[0 if number == 0 else 1]
        slide = presentation.slides.add_slide(layout)
        slide.shapes.title.text = title
        body = slide.placeholders[1].text_frame
        body.text = bullets[0]
        for bullet in bullets[1:]:
            body.add_paragraph().text = bullet
    props = presentation.core_properties
    props.author, props.title = "Tutor Studio", slides[0][0]
    props.created = props.modified = props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    presentation.save(str(path))
    _normalise_zip(path)


def _normalise_zip(path: Path) -> None:
    """Rewrite a zip with fixed member timestamps so identical content gives identical bytes."""
    with zipfile.ZipFile(path) as source:
        members = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_DATE.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, data)


def main() -> None:
    build_docx(NEWTON, HERE / "newtons_laws.docx")
    build_pdf(OHM, HERE / "ohms_law.pdf")
    build_pptx(WATER_CYCLE, HERE / "water_cycle.pptx")
    for name in ("newtons_laws.docx", "ohms_law.pdf", "water_cycle.pptx"):
        print(f"wrote {HERE / name} ({(HERE / name).stat().st_size} bytes)")  # noqa: T201 (a script for people)


if __name__ == "__main__":
    main()
