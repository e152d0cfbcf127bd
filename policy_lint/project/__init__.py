"""Project-level behaviour: settings files, suppressions with reasons, and baselines.

These apply after the rules ran and before anything is reported, identically for
``lint``, ``check`` and ``verify``, so a suppressed or baselined finding is never
silently lost: it is listed as suppressed (with its reason) in every report format.
"""
