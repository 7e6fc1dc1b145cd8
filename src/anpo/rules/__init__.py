"""The rules layer: named questions answered for a date, with reasons and citations."""
