"""Path converters of the product's URLs."""

from django.urls import register_converter

# The largest id a 64-bit database column holds has 19 digits; 18 keep every id below it, so an id too large for
# the database is no address at all (404) instead of an overflow in the database driver (500).
MAX_ID_DIGITS = 18


class RecordIdConverter:
    """A record id in a URL: 1 to 18 digits."""

    regex = f"[0-9]{{1,{MAX_ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(RecordIdConverter, "id")
