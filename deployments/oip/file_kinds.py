"""What kind of file a file tensor holds, read from its first bytes with `filetype`'s
signatures (about 80 formats): the extension the backend is told, and whether the file is
the kind the model's input accepts.

A model that takes images declares `accept: image/*` (from its module's data types,
deployments.oip.metadata). A file that is not one (a text file named `.png`, a PDF) is
refused here, naming the input, instead of reaching the model, which would fail on it or,
worse, answer something.
"""

from __future__ import annotations

import filetype

from deployments.oip.protocol import OipError

# The kinds an input's `accept` can name, as its MIME type's major part says them.
_KIND_WORDS = {"image": "an image", "audio": "an audio file", "video": "a video"}


def checked_extension(input_name: str, accept: str | None, data: bytes) -> str | None:
    """The file's usual extension by its signature (png, jpg, wav, pdf…; None if none
    matches), read once; 400 if the file is not of the kind `accept` names (`image/*`,
    `audio/*` or `video/*`). Any other `accept`, or none, takes every file."""
    kind = filetype.guess(data)
    wanted = (accept or "").split("/", 1)[0]
    if wanted in _KIND_WORDS and not (kind and kind.mime.startswith(f"{wanted}/")):
        what = f"a {kind.mime} file" if kind else "of no file type we recognise"
        raise OipError(
            f"Input '{input_name}': {_KIND_WORDS[wanted]} is expected ({accept}), and this "
            f"file is {what}.",
            input_name=input_name,
        )
    return kind.extension if kind else None
