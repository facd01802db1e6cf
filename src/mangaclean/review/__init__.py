"""``mangaclean review``: a local web app to check and touch up cleaned pages (the ``review`` extra:
Starlette and uvicorn).

``chapter`` finds the pages as ``clean`` does, ``store`` keeps every edit in SQLite, ``edits``
turns edits into a removal mask and re-cleans, ``session`` ties them to the models, ``app`` is
the HTTP layer and ``static/`` the front end (plain JavaScript, no build step).
"""
