"""Display templates as data: the document schema, its validation, presets and file transfer.

Named `layouts` so it never clashes with Jinja's `templates` folder.
"""

from p88.layouts.presets import PRESETS, sample_document
from p88.layouts.sample import sample_data
from p88.layouts.schema import FORMAT_VERSION, schema_for_builder
from p88.layouts.transfer import ImportRejected, export_bytes, parse_import
from p88.layouts.validate import LayoutError, image_references, validate_document

__all__ = [
    "FORMAT_VERSION",
    "PRESETS",
    "ImportRejected",
    "LayoutError",
    "export_bytes",
    "image_references",
    "parse_import",
    "sample_data",
    "sample_document",
    "schema_for_builder",
    "validate_document",
]
