"""Tabletop exercises: scenario files of timed injects, scripted runs, after-action reports.

Institutional, legal and logistical content only: consultation, determinations, legal questions,
support and coordination. Never targeting or the employment of weapons."""
