"""ohcheck's command line: the Typer app, one module per audience.

A command parses its options, calls one function of the domain, hands the result
to `render/` and exits. Nothing outside this wing imports it.
"""
