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


def extension_of(data: bytes) -> str | None:
    """The file's usual extension (png, jpg, wav, pdf…), or None if no signature matches."""
    return filetype.guess_extension(data)


def check_kind(input_name: str, accept: str | None, data: bytes) -> None:
    """Refuse (400) a file that is not of the kind `accept` names (`image/*`, `audio/*` or
    `video/*`); any other `accept`, or none, takes every file."""
    wanted = (accept or "").split("/", 1)[0]
    if wanted not in _KIND_WORDS:
        return
    found = filetype.guess_mime(data)
    if found and found.startswith(f"{wanted}/"):
        return
    what = f"a {found} file" if found else "of no file type we recognise"
    raise OipError(
        f"Input '{input_name}': {_KIND_WORDS[wanted]} is expected ({accept}), and this file "
        f"is {what}."
    )
