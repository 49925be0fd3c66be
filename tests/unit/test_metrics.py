import os
import subprocess
import sys
import textwrap

import pytest

from b2a.lib import metrics_files
from b2a.lib.metrics import label


@pytest.mark.parametrize("word", ["ok", "131047", "process_inbound", "WAITING_FOR_QR_SCAN", "msg"])
def test_words_from_small_sets_are_labels(word):
    assert label(word) == word


@pytest.mark.parametrize(
    "value",
    [
        "3f2b9c1e-0d4a-4c2b-9f3e-7a1b2c3d4e5f",  # a tenant or message id
        "923001234567",  # a phone number
        "+923001234567",
        "wamid.HBgMOTIzMDAxMjM0NTY3",
        "a" * 60,
        "two words",
    ],
)
def test_ids_and_free_text_become_other(value):
    assert label(value) == "other"


def test_empty_is_none():
    assert label("") == "none" and label(None) == "none"


def _count_in_child(directory, amount):
    """A separate process that counts ``amount`` sends into ``directory`` and exits."""
    code = textwrap.dedent(
        f"""
        from pathlib import Path
        from b2a.lib import metrics
        metrics.configure(Path({str(directory)!r}))
        metrics.get().sends.labels("cloud", "ok").inc({amount})
        """
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ})


def test_ended_processes_are_folded_into_the_archive_and_their_counts_kept(tmp_path):
    from prometheus_client.mmap_dict import MmapedDict

    _count_in_child(tmp_path, 2)
    _count_in_child(tmp_path, 3)  # folds the first child's file as it starts
    metrics_files.prepare(tmp_path)  # folds the second's
    files = sorted(p.name for p in tmp_path.glob("*.db"))
    assert files == ["counter_archive.db"]
    values = MmapedDict.read_all_values_from_file(str(tmp_path / "counter_archive.db"))
    assert [value for key, value, _, _ in values if "b2a_sends_total" in key] == [5.0]
