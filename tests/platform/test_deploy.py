"""docs/deploy.md's files work: the systemd units verify and their commands parse, the nginx site passes
`nginx -t` (when nginx is installed), and deploy.md names every file it relies on."""
from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from api.cli import build_parser

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "docs" / "deploy"
UNITS = ["bridgepoint.service", "bridgepoint-mail.service"]
INSTALLED = "/opt/bridgepoint/.venv/bin/bridgepoint"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / name).read_text())
    return parser


def test_deploy_md_names_its_files() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text()
    for name in [*UNITS, "nginx.conf"]:
        assert f"docs/deploy/{name}" in text
        assert (DEPLOY / name).exists()
    assert "bridgepoint serve --host 127.0.0.1 --port 8000 --workers 2" in text


@pytest.mark.parametrize("name", UNITS)
def test_the_units_commands_parse_and_answer_help(name: str) -> None:
    exec_start = shlex.split(unit(name)["Service"]["ExecStart"])
    assert exec_start[0] == INSTALLED
    args = build_parser().parse_args(exec_start[1:])  # every option of the unit is one serve knows
    assert args.command == "serve" and args.host == "127.0.0.1"
    local = Path(sys.executable).with_name("bridgepoint")
    out = subprocess.run([str(local), *exec_start[1:], "--help"], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "--workers" in out.stdout


def test_only_the_mail_unit_sends_mail() -> None:
    env = {n: [v for v in unit(n)["Service"].get("Environment", "").splitlines() if v] for n in UNITS}
    assert env["bridgepoint.service"] == ["BRIDGEPOINT_MAIL_WORKER=0"]
    assert env["bridgepoint-mail.service"] == ["BRIDGEPOINT_MAIL_WORKER=1"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize("name", UNITS)
def test_systemd_analyze_verify(name: str, tmp_path: Path) -> None:
    """The unit as installed, with the paths of this checkout and the current user (verify checks that the
    command and the user exist)."""
    import getpass
    import grp
    import os

    text = (DEPLOY / name).read_text().replace(INSTALLED, str(Path(sys.executable).with_name("bridgepoint")))
    text = text.replace("WorkingDirectory=/opt/bridgepoint", f"WorkingDirectory={ROOT}")
    text = text.replace("EnvironmentFile=/etc/", "EnvironmentFile=-/etc/")
    text = text.replace("User=bridgepoint", f"User={getpass.getuser()}")
    text = text.replace("Group=bridgepoint", f"Group={grp.getgrgid(os.getgid()).gr_name}")
    (tmp_path / name).write_text(text)
    out = subprocess.run(["systemd-analyze", "verify", str(tmp_path / name)], capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx not installed (apt-get install nginx-light)")
def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hoinghi.example.gov.vn")])
    now = datetime.now(timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + timedelta(days=1))
            .sign(key, hashes.SHA256()))
    (tmp_path / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "key.pem").write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                                         serialization.PrivateFormat.PKCS8,
                                                         serialization.NoEncryption()))
    site = (DEPLOY / "nginx.conf").read_text()
    site = site.replace("/etc/ssl/bridgepoint/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/bridgepoint/privkey.pem", str(tmp_path / "key.pem"))
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n")
    out = subprocess.run(["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
