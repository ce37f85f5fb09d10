"""Beside the pipeline: accounts, registry, survey imports, pushed configs, backups and their CLIs."""
