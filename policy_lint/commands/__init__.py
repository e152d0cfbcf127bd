"""One module per ``policy-lint`` command (and the helpers they share); ``cli.py`` lists them."""
