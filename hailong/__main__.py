"""``python -m hailong`` is the ``hailong`` command."""

import sys

from hailong.cli import main

sys.exit(main())
