"""Tests of corpus.py: pages cut from files, proportions, sampling, the cache key, the build.

    python3 -m unittest discover -s tools/bench -p 'test_*.py'
"""

import gzip
import io
import sys
import tarfile
import tempfile
import unittest
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402

PAGE = corpus.PAGE


def text_page(n: int) -> bytes:
    return (f"page {n} " * 1000).encode()[:PAGE]


class CorpusTest(unittest.TestCase):
    def test_counts_add_up_in_proportion(self):
        self.assertEqual(corpus.counts({"a": 0.5, "b": 0.5}, 10), {"a": 5, "b": 5})
        c = corpus.counts(corpus.SHARES, corpus.PAGES)
        self.assertEqual(sum(c.values()), corpus.PAGES)
        self.assertEqual(c["zero"], round(corpus.PAGES * 0.20))
        odd = corpus.counts({"a": 1, "b": 1, "c": 1}, 10)
        self.assertEqual(sum(odd.values()), 10)
        self.assertEqual(sorted(odd.values()), [3, 3, 4])

    def test_same_filled(self):
        self.assertTrue(corpus.same_filled(bytes(PAGE)))
        self.assertTrue(corpus.same_filled(b"\x01\x02\x03\x04\x05\x06\x07\x08" * 512))
        self.assertFalse(corpus.same_filled(bytes(PAGE - 1) + b"\x01"))

    def test_cut_drops_the_partial_last_page(self):
        self.assertEqual(corpus.cut(b"x" * (2 * PAGE + 100)), [b"x" * PAGE] * 2)
        self.assertEqual(corpus.cut(b"x" * 100), [])

    def test_pages_of_joins_small_files_and_skips_same_filled_pages(self):
        half = text_page(7)[:PAGE // 2]
        self.assertEqual(corpus.pages_of([half, half], join=True), [half + half])
        self.assertEqual(corpus.pages_of([half, half], join=False), [])
        files = [text_page(1) + bytes(PAGE) + text_page(2)]
        self.assertEqual(corpus.pages_of(files, join=False), [text_page(1), text_page(2)])

    def test_sample_is_deterministic_and_ordered(self):
        pages = [text_page(n) for n in range(50)]
        a = corpus.sample(pages, 10, "15:text")
        self.assertEqual(a, corpus.sample(pages, 10, "15:text"))
        self.assertNotEqual(a, corpus.sample(pages, 10, "16:text"))
        self.assertEqual(a, sorted(a, key=pages.index))
        with self.assertRaises(corpus.CorpusError):
            corpus.sample(pages, 51, "15:text")

    def test_key_names_every_input(self):
        k = corpus.key(corpus.SOURCES, corpus.SHARES, corpus.PAGES, corpus.SEED)
        self.assertEqual(k, corpus.key(corpus.SOURCES, corpus.SHARES, corpus.PAGES, corpus.SEED))
        other = [corpus.Source(**{**s.__dict__, "version": "0"}) for s in corpus.SOURCES]
        self.assertNotEqual(k, corpus.key(other, corpus.SHARES, corpus.PAGES, corpus.SEED))
        self.assertNotEqual(k, corpus.key(corpus.SOURCES, {"zero": 1.0}, corpus.PAGES,
                                          corpus.SEED))
        self.assertNotEqual(k, corpus.key(corpus.SOURCES, corpus.SHARES, 1024, corpus.SEED))
        self.assertNotEqual(k, corpus.key(corpus.SOURCES, corpus.SHARES, corpus.PAGES, 1))

    def test_members_match_by_name_and_are_ungzipped(self):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as t:
            for name, data in [("./usr/share/man/man1/b.1.gz", gzip.compress(b"bee")),
                               ("./usr/share/man/man1/a.1.gz", gzip.compress(b"ay")),
                               ("./usr/share/doc/x/copyright", b"no")]:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                t.addfile(info, io.BytesIO(data))
        buf.seek(0)
        with tarfile.open(fileobj=buf) as t:
            self.assertEqual(corpus.members(t, r"^\./usr/share/man/man1/.*\.gz$"),
                             [b"ay", b"bee"])

    def test_assemble_lays_out_kinds_in_order(self):
        kinds = {"text": [text_page(n) for n in range(20)],
                 "binary": [text_page(100 + n) for n in range(20)]}
        data, layout = corpus.assemble(kinds, {"text": 0.5, "binary": 0.3, "zero": 0.2}, 10, 1)
        self.assertEqual(layout, [("text", 0, 5), ("binary", 5, 3), ("zero", 8, 2)])
        self.assertEqual(len(data), 10 * PAGE)
        self.assertEqual(data[8 * PAGE:], bytes(2 * PAGE))
        self.assertIn(data[:PAGE], kinds["text"])

    def test_build_writes_and_then_reuses_the_cache(self):
        sources = [corpus.Source("text", "p", "1", "0" * 64, "x", join=True)]
        files = [b"".join(text_page(n) for n in range(8))]
        with tempfile.TemporaryDirectory() as d, \
                mock.patch.object(corpus, "fetch", return_value=Path("p.deb")) as fetch, \
                mock.patch.object(corpus, "package_files", return_value=files):
            out = corpus.build(sources, {"text": 0.75, "zero": 0.25}, 4, 1, Path(d),
                               log=lambda m: None)
            self.assertEqual((out / "corpus.kinds").read_text(), "text 0 3\nzero 3 1\n")
            self.assertEqual(len((out / "corpus.pages").read_bytes()), 4 * PAGE)
            again = corpus.build(sources, {"text": 0.75, "zero": 0.25}, 4, 1, Path(d),
                                 log=lambda m: None)
            self.assertEqual(again, out)
            self.assertEqual(fetch.call_count, 1)


if __name__ == "__main__":
    unittest.main()
