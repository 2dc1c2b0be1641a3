from pathlib import Path

import pytest

from kgarden.errors import ConfigError
from kgarden.settings import SETTINGS, load_settings


def test_layers_defaults_toml_env_arguments(tmp_path: Path) -> None:
    toml = tmp_path / "kgarden.toml"
    toml.write_text('workers = 4\nbatch_size = 100\ngarden = "from-toml.db"\n')
    s = load_settings({"batch_size": 7, "garden": None}, env={"KGARDEN_WORKERS": "3"},
                      config_path=toml)
    assert s.parallel_min_papers == 400 and s.source("parallel_min_papers") == "default"
    assert s.garden == Path("from-toml.db") and s.source("garden") == str(toml)
    assert s.workers == 3 and s.source("workers") == "KGARDEN_WORKERS"
    assert s.batch_size == 7 and s.source("batch_size") == "argument"


def test_config_path_from_environment_and_kgarden_table(tmp_path: Path) -> None:
    toml = tmp_path / "conf.toml"
    toml.write_text("[kgarden]\nworkers = 1\n")
    assert load_settings(env={"KGARDEN_CONFIG": str(toml)}).workers == 1


@pytest.mark.parametrize(("text", "message"), [
    ("workers = 'many'\n", "must be int"),
    ("colour = 'blue'\n", "unknown setting 'colour'"),
    ("workers = \n", "invalid TOML"),
])
def test_bad_config_files_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    toml = tmp_path / "kgarden.toml"
    toml.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_settings(env={}, config_path=toml)
    assert str(toml) in str(info.value)


def test_bad_environment_value() -> None:
    with pytest.raises(ConfigError, match="KGARDEN_WORKERS: setting 'workers' must be int"):
        load_settings(env={"KGARDEN_WORKERS": "two"})


def test_every_setting_is_documented() -> None:
    assert all(s.help and s.env.startswith("KGARDEN_") for s in SETTINGS)
