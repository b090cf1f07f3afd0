"""Jinja2 templates and static VHDL primitives, installed as the `vhdlgen.templates` package."""
