"""`policysim ui`: the console's policy simulator as a local web page (the optional `ui` extra).

`app` holds the Flask routes, `simulator` and `tools` ask the library and gather its answers
for the templates, `serve` binds the server. Decisions come only from the library.
"""
