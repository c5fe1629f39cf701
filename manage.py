#!/usr/bin/env python
import os
import sys

if sys.version_info < (3, 12):  # noqa: UP036  a clear message instead of a syntax error
    sys.exit("OneWindow needs Python 3.12 or newer (3.13 recommended). 需要 Python 3.12 或更高版本。")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "onewindow.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
