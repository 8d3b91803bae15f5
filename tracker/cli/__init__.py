"""The `tracker` command: a thin layer over the library, one module per command group.

    main.py        the `tracker` group and main(): every error becomes one line and an exit code
    app.py         what commands share: settings, baseline, database, client; option types
    admin.py       init, config
    baseline.py    therapies, references
    collect.py     poll, refresh, reclassify, status
    reports.py     report
    duplicates.py  duplicates list | confirm | reject
    demo.py        demo
    classifier.py  classifier train | show (the level model)
    queue.py       queue list | show | decide | undo | export | stats
    users.py       users add
    serve.py       serve: the review web page
    db.py          db copy
"""

from tracker.cli.main import cli, main

__all__ = ["cli", "main"]
