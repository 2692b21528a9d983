"""The files of a new site repository, as ``fgtha init DIR`` writes them (templates in ``templates/``).

A site: ``cdktf.json`` with ``context.fgtha``, a three-line ``main.py``, ``clusters/<name>.yaml`` (a commented
starting spec of one of the two shipped shapes), ``requirements.txt`` (the product pinned), ``package.json``
(cdktf-cli pinned), ``Makefile``, ``.gitignore``, ``README.md`` and two CI workflows (plan on pull request,
deploy on merge with approval).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import metadata
from importlib.resources import files
from pathlib import Path
from typing import Literal

from jinja2 import Environment, StrictUndefined

from ..atomicfile import atomic_write

Shape = Literal["unicast", "broadcast"]
PRODUCT = "fgt-kvm-ha"
#: The CDK command line a site pins (npm). cdktf-cli 0.21 drives apps on either runtime (cdktf or cdktn); the
#: cdktn-cli 0.24.0 does not start on Node.js 20 (measured: ``util.markAsUncloneable is not a function``).
CLI_PACKAGE, CLI_VERSION = "cdktf-cli", "0.21.0"
_STATIC = {"main.py": "main.py", "gitignore": ".gitignore", "Makefile": "Makefile"}
_WORKFLOWS = ("plan.yml", "deploy.yml")


@dataclass(frozen=True)
class SiteOptions:
    """What a new site starts with (the defaults are the shipped examples' values)."""

    shape: Shape = "unicast"
    name: str = ""
    group_id: int | None = None
    hosts: tuple[str, ...] = ()
    mgmt_ips: tuple[str, str] = ("", "")
    gateway: str = "192.0.2.1"

    def resolved(self) -> SiteOptions:
        """Empty fields filled with the shape's example values."""
        unicast = self.shape == "unicast"
        return SiteOptions(
            shape=self.shape,
            name=self.name or ("fgt-ha" if unicast else "fgt-lab"),
            group_id=self.group_id if self.group_id is not None else (10 if unicast else 20),
            hosts=self.hosts or (("kvm1", "kvm2") if unicast else ("kvm1",)),
            mgmt_ips=self.mgmt_ips
            if all(self.mgmt_ips)
            else (("192.0.2.11/24", "192.0.2.12/24") if unicast else ("192.0.2.21/24", "192.0.2.22/24")),
            gateway=self.gateway,
        )


def product_version() -> str:
    """The installed product's version (what requirements.txt pins)."""
    return metadata.version(PRODUCT)


def _template(name: str) -> str:
    return files(__package__).joinpath("templates", name).read_text(encoding="utf-8")


def cdktf_json(site: str) -> str:
    """The site's cdktf.json: the app, and ``context.fgtha`` with every spec in clusters/ and local state."""
    config = {
        "language": "python",
        "app": ".venv/bin/python main.py",
        "projectId": site,
        "terraformProviders": [],
        "terraformModules": [],
        "context": {"fgtha": {"specs": ["clusters/*.yaml"], "state": {"local": {}}}},
    }
    return json.dumps(config, indent=2) + "\n"


def site_files(site: str, options: SiteOptions) -> dict[str, str]:
    """Every file of the site, by path relative to its folder."""
    o = options.resolved()
    spec_path = f"clusters/{o.name}.yaml"
    values = {
        "site": site,
        "shape": o.shape,
        "name": o.name,
        "group_id": o.group_id,
        "hosts": o.hosts,
        "mgmt_ips": o.mgmt_ips,
        "gateway": o.gateway,
        "path": spec_path,
        "spec_path": spec_path,
        "product": PRODUCT,
        "version": product_version(),
        "cli_package": CLI_PACKAGE,
        "cli_version": CLI_VERSION,
    }
    env = Environment(undefined=StrictUndefined, keep_trailing_newline=True, autoescape=False)  # noqa: S701 - not HTML

    def render(name: str) -> str:
        return env.from_string(_template(name)).render(values)

    out = {target: _template(source) for source, target in _STATIC.items()}
    out.update({f".github/workflows/{name}": _template(name) for name in _WORKFLOWS})
    out["cdktf.json"] = cdktf_json(site)
    out[spec_path] = render(f"cluster-{o.shape}.yaml.j2")
    out["requirements.txt"] = render("requirements.txt.j2")
    out["package.json"] = render("package.json.j2")
    out["README.md"] = render("README.md.j2")
    return out


def write_site(folder: Path, options: SiteOptions) -> list[Path]:
    """Write the site into ``folder`` (created if needed); return the files written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for relative, text in site_files(folder.resolve().name, options).items():
        target = folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(target, text.encode(), 0o644)
        written.append(target)
    return written
