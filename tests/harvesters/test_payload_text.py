"""payload_text: the raw payload as storable text, with the same result on the fast (ASCII) path and the slow one."""
import pytest

from harvesters.contract import digest, payload_text


@pytest.mark.parametrize("payload, fmt, expected", [
    ({"b": 1, "a": "x"}, "json", '{"a":"x","b":1}'),
    ({"t": "caf\u00e9 \u00a3"}, "json", '{"t":"caf\u00e9 \u00a3"}'),
    ({"t": "\ud800"}, "json", '{"t":"\\ud800"}'),
    ({"t": "a\x00b"}, "json", '{"t":"a\\u0000b"}'),  # json escapes NUL itself
    ('<s> <p> "a\x00b" .', "nt", '<s> <p> "a\\u0000b" .'),
    ('<s> <p> "\u00e9\udfff" .', "nt", '<s> <p> "\u00e9\\udfff" .'),
    ('<s> <p> "plain" .', "nt", '<s> <p> "plain" .'),
])
def test_payload_text(payload, fmt, expected):
    text = payload_text(payload, fmt)
    assert text == expected
    digest(text)  # always encodable as UTF-8
