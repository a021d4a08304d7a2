"""Units of quantities in text: their spellings, and the scale that relates prefixed units.

    canonical_unit("amps")        -> "A"
    in_base_units(3000, "mA")     -> (Fraction(3), "A")      so "3000 mA" is the same current as "3 A"
    in_base_units(2.5, "km")      -> (Fraction(2500), "m")

Only the units a school course writes are listed; an unknown unit compares by its own spelling.
"""

from __future__ import annotations

import re
from fractions import Fraction

UNIT_ALIASES = {
    "ohm": "ohm", "ohms": "ohm", "Ω": "ohm", "amp": "A", "amps": "A", "ampere": "A", "amperes": "A",
    "volt": "V", "volts": "V", "newton": "N", "newtons": "N", "watt": "W", "watts": "W", "joule": "J",
    "joules": "J", "kilogram": "kg", "kilograms": "kg", "gram": "g", "grams": "g", "metre": "m", "metres": "m",
    "meter": "m", "meters": "m", "centimetre": "cm", "centimetres": "cm", "millimetre": "mm",
    "millimetres": "mm", "kilometre": "km", "kilometres": "km", "second": "s", "seconds": "s", "litre": "L",
    "litres": "L", "liter": "L", "liters": "L", "cup": "cup", "cups": "cup", "percent": "%", "per cent": "%",
    "m/s^2": "m/s²", "m/s2": "m/s²", "metres per second squared": "m/s²", "meters per second squared": "m/s²",
    "metres per second": "m/s", "meters per second": "m/s", "kilometres per hour": "km/h",
    "newtons per kilogram": "N/kg", "degrees celsius": "°C", "degree celsius": "°C", "degrees": "°",
    "degree": "°", "milliamps": "mA", "milliamp": "mA", "milliamperes": "mA", "kilohms": "kΩ", "kilohm": "kΩ",
    "millivolts": "mV", "kilovolts": "kV", "millilitres": "mL", "millilitre": "mL", "milliliters": "mL",
    "milligrams": "mg", "milligram": "mg", "minutes": "min", "minute": "min", "hours": "h", "hour": "h",
    "milliseconds": "ms", "kilojoules": "kJ", "kilowatts": "kW", "megawatts": "MW", "kilonewtons": "kN",
    "hertz": "Hz", "kilohertz": "kHz", "megahertz": "MHz", "ml": "mL", "kohm": "kΩ",
}  # fmt: skip
SYMBOL_UNITS = (
    r"%|°C|°F|m/s²|m/s\^2|m/s2|m/s|km/h|N/kg|g/cm³|g/L|kHz|MHz|GHz|Hz|kg|mg|mm|cm³|cm|km|ml|mL|mA|kA|mV|kV|"
    r"kΩ|MΩ|kJ|MJ|kW|MW|kN|ms|min|Ω|[mgsNAVWJLh]"
)
WORD_UNITS = "|".join(sorted((re.escape(u) for u in UNIT_ALIASES if u[0].isalpha()), key=len, reverse=True))
# Prefixed units and the base unit they scale: "3000 mA" and "3 A" are one current.
SCALES: dict[str, tuple[str, Fraction]] = {
    "mA": ("A", Fraction(1, 1000)), "kA": ("A", Fraction(1000)), "mV": ("V", Fraction(1, 1000)),
    "kV": ("V", Fraction(1000)), "kΩ": ("ohm", Fraction(1000)), "MΩ": ("ohm", Fraction(10**6)),
    "km": ("m", Fraction(1000)), "cm": ("m", Fraction(1, 100)), "mm": ("m", Fraction(1, 1000)),
    "kg": ("g", Fraction(1000)), "mg": ("g", Fraction(1, 1000)), "mL": ("L", Fraction(1, 1000)),
    "ms": ("s", Fraction(1, 1000)), "min": ("s", Fraction(60)), "h": ("s", Fraction(3600)),
    "kJ": ("J", Fraction(1000)), "MJ": ("J", Fraction(10**6)), "kW": ("W", Fraction(1000)),
    "MW": ("W", Fraction(10**6)), "kN": ("N", Fraction(1000)), "kHz": ("Hz", Fraction(1000)),
    "MHz": ("Hz", Fraction(10**6)), "GHz": ("Hz", Fraction(10**9)),
}  # fmt: skip


def canonical_unit(unit: str) -> str:
    unit = " ".join(unit.split())
    return UNIT_ALIASES.get(unit, UNIT_ALIASES.get(unit.lower(), unit))


def in_base_units(value: Fraction, unit: str) -> tuple[Fraction, str]:
    """The value in its base unit ("km" -> "m"), so that prefixed spellings of one quantity compare equal."""
    base, scale = SCALES.get(unit, (unit, Fraction(1)))
    return value * scale, base
