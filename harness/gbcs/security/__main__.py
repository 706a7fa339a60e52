"""``python3 -m harness.gbcs.security DIR...``: write each keystore folder's keystore-index.json."""

import sys

from harness.gbcs.security.keystore import write_index

if __name__ == "__main__":
    for folder in sys.argv[1:] or ["harness/data/keystore"]:
        print(f"wrote {write_index(folder)}", file=sys.stderr)
