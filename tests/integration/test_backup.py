"""Keeping the newest archives (the round trip itself is tests/cli/test_backup.py)."""

from b2a.ops.backup import make_backup


async def test_keep_removes_all_but_the_newest_archives(
    sqlite_engine, make_settings, data_home, tmp_path
):
    settings = make_settings(
        B2A_DB_URL=f"sqlite:///{data_home}/test.sqlite3", B2A_HOME=str(tmp_path)
    )
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "notes.txt").write_text("not an archive")

    made = [await make_backup(settings, tmp_path / "b", keep=2) for _ in range(3)]

    assert len({m.path for m in made}) == 3
    assert sorted((tmp_path / "b").iterdir()) == sorted(
        [made[1].path, made[2].path, tmp_path / "b" / "notes.txt"]
    )
    assert [m.pruned for m in made] == [[], [], [made[0].path]]
