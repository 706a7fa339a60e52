"""Load device, bench and profile-set YAML files into the typed model. Every mistake is one
`ProfileError` line naming file:line and the field; paths resolve relative to the file naming them."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from harness.errors import ProfileError
from harness.profiles import model as M
from harness.profiles import schema as S
from harness.profiles.schema import Section
from harness.profiles.yamlsrc import YList, YMap, load_yaml
from harness.vocabulary import ConnectionType, DefectMask, Role

Profile = M.DeviceProfile | M.BenchProfile | M.ProfileSet


# -- where profiles live ------------------------------------------------------------------------

def profiles_dir() -> Path:
    """``device_profiles/`` next to the harness package (editable install / checkout), or
    ``$HARNESS_PROFILES_DIR``."""
    env = os.environ.get("HARNESS_PROFILES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2] / "device_profiles"


def default_bench_path() -> Path:
    """The emulated default bench (SBCH, CH and GSME with SECMP0015, ESME, IHD)."""
    return profiles_dir() / "benches" / "emulated-default.yaml"


# -- public loaders -----------------------------------------------------------------------------

def load_any(path: str | Path) -> Profile:
    """Load a profile of any kind, chosen by its ``kind`` field."""
    p = Path(path)
    node = load_yaml(p)
    kind = Section(node, "", S.KINDS).choice("kind", S.KINDS, required=True)
    if kind == "device":
        return _device_file(node, p)
    if kind == "bench":
        return _bench(node, p)
    return _profile_set(node, p)


def load_device(path: str | Path) -> M.DeviceProfile:
    p = Path(path)
    return _device_file(_read(p, "device"), p)


def load_bench(path: str | Path) -> M.BenchProfile:
    p = Path(path)
    return _bench(_read(p, "bench"), p)


def load_profile_set(path: str | Path) -> M.ProfileSet:
    p = Path(path)
    return _profile_set(_read(p, "profile_set"), p)


# -- internals ----------------------------------------------------------------------------------

def _read(path: Path, kind: str) -> YMap:
    node = load_yaml(path)
    found = Section(node, "", S.KINDS).choice("kind", S.KINDS, required=True)
    if found != kind:
        raise ProfileError(f"this is a '{found}' profile, expected '{kind}'", file=node.file,
                           line=node.mark("kind")[1], field="kind")
    return node


def _resolve(sec: Section, key: str, what: str, want_dir: bool, value: str | None = None) -> Path:
    """A path written in ``sec[key]``, relative to the file it was written in; must exist."""
    text = value if value is not None else sec.text(key, required=True)
    assert text is not None
    file, _line = sec.node.mark(key)
    path = Path(text).expanduser()
    if not path.is_absolute():
        path = Path(file).resolve().parent / path
    path = path.resolve()
    ok = path.is_dir() if want_dir else path.is_file()
    if not ok:
        raise sec.error(key, f"{what} not found: {path}")
    return path


def _device_file(node: YMap, path: Path) -> M.DeviceProfile:
    dev = _device(node, "", S.DEVICE_FIELDS)
    dev.source = path.resolve()
    return dev


def _device(node: YMap, where: str, allowed: tuple[str, ...]) -> M.DeviceProfile:
    s = Section(node, where, allowed).check_fields()
    if s.has("kind"):
        s.choice("kind", ("device",))
    role = Role(s.choice("role", S.ROLES, required=True))
    is_ch = role.value in S.CH_ROLES
    for key in ("ch_variant", "chts"):
        if s.has(key) and not is_ch:
            raise s.error(key, f"only a Communications Hub device (CHF, GPF) has this, not {role.value}")
    gbcs = s.text("gbcs")
    if gbcs is not None and not S.GBCS_RE.match(gbcs):
        raise s.error("gbcs", f"'{gbcs}' is not a GBCS version (expected major.minor, e.g. 4.0)")
    for key in ("smets", "chts"):
        v = s.text(key)
        if v is not None and not S.VERSION_RE.match(v):
            raise s.error(key, f"'{v}' is not a version number (e.g. 2.0)")
    variant = s.choice("ch_variant", S.CH_VARIANTS)
    keys_text = s.text("keys")
    keys = None if keys_text in (None, M.BUILTIN) else _resolve(s, "keys", "key folder", True, keys_text)
    return M.DeviceProfile(
        role=role,
        eui=s.eui("eui", required=True) or "",
        name=s.text("name", required=True) or "",
        manufacturer=s.text("manufacturer", default="") or "",
        model=s.text("model", default="") or "",
        firmware=s.text("firmware", default="") or "",
        smets=s.text("smets"),
        chts=s.text("chts"),
        gbcs=gbcs,
        ch_variant=M.ChVariant(variant) if variant else None,
        capabilities=frozenset(s.text_list("capabilities", pattern=S.CAPABILITY_RE)),
        keys=keys,
        behaviours=_behaviours(s),
        waivers=_waivers(s),
        emulator=_emulator(s, role),
        connection=_connection(s.mapping("connection", S.CONNECTION_FIELDS)) if s.has("connection") else None,
        stimuli=_stimuli(s, role),
    )


def _stimuli(s: Section, role: Role) -> dict[str, str]:
    """A bench device entry's ``stimuli`` (values checked; bench-level checks in ``_check_stimuli``)."""
    st = s.mapping("stimuli", S.STIMULUS_FIELDS)
    if st is None:
        return {}
    out: dict[str, str] = {}
    for key in st.node:
        if key == "switch":
            out[key] = st.text(key) or ""
            continue
        roles = S.STIMULUS_ROLES.get(key)
        if roles is not None and role.value not in roles:
            raise st.error(key, f"a {role.value} has no '{key}' stimulus (only {', '.join(roles)})")
        out[key] = st.choice(key, S.STIMULI[key]) or "none"
    needs_driver = [k for k, v in out.items()
                    if v == "switch" and k not in S.POWER_SWITCHED and k not in S.LINK_SWITCHED]
    if needs_driver and not out.get("switch"):
        key = needs_driver[0]
        raise st.error(key, "'switch' needs 'stimuli.switch: <driver name>' (the external switch driver)")
    return out


def _check_stimuli(node: YMap, items: YList, i: int, dev: M.DeviceProfile, bench_conn: M.Connection) -> None:
    """Stimuli that cannot work on this bench: ``control`` without an emulated connection, a GSME
    ``push: wait`` without a declared ``wake_interval_s``."""
    if not dev.stimuli:
        return
    item = items[i]
    st_node = item.get("stimuli") if isinstance(item, YMap) else None
    conn = dev.connection or bench_conn
    for key, value in dev.stimuli.items():
        file, line = st_node.mark(key) if isinstance(st_node, YMap) and key in st_node else items.mark(i)
        where = f"devices[{i}].stimuli.{key}"
        if value == "control" and not conn.emulated:
            raise ProfileError(f"'control' needs an emulated connection (emulated, emulated-process); this "
                               f"device is reached over '{conn.type.value}': real hardware has no control "
                               "channel (use wait, operator, switch or none)", file=file, line=line, field=where)
        if key == "push" and value == "wait" and not dev.behaviours.get("wake_interval_s"):
            raise ProfileError("'wait' needs the GSME's wake interval: declare behaviours.wake_interval_s",
                               file=file, line=line, field=where)


def _behaviours(s: Section) -> dict[str, Any]:
    b = s.mapping("behaviours", tuple(S.BEHAVIOURS))
    if b is None:
        return {}
    out: dict[str, Any] = {}
    for key in b.node:
        spec = S.BEHAVIOURS[key]
        sec, name = b, key
        node = b.node[key]
        long_form = isinstance(node, YMap) and (spec.kind != "code_map" or "value" in node)
        long = b.mapping(key, ("value", "clause")) if long_form else None
        if long is not None:  # long form {value: ..., clause: "S1SR 18.7(i)"}
            sec, name = long, "value"
            _check_clause(sec, spec)
        if spec.kind == "bool":
            out[key] = sec.boolean(name)
        elif spec.kind == "int":
            out[key] = sec.integer(name, minimum=spec.minimum)
        elif spec.kind == "enum":
            out[key] = sec.choice(name, spec.choices)
        elif spec.kind == "str":
            out[key] = sec.text(name)
        elif spec.kind == "code_map":
            codes = sec.mapping(name, spec.choices)
            out[key] = None if codes is None else {
                k: codes.integer(k, required=True, minimum=0, maximum=0xFFFF) for k in codes.node}
        else:
            out[key] = sec.text_list(name, choices=spec.choices)
    if out.get("gpf_time_reliability") == "reliable" and not out.get("gpf_time_reliability_reason"):
        # the seed (GFI 3.6) says the GPF's own time is unreliable; reliable 0x00 (seen in the
        # RTDS) is a device-specific declaration and needs its reason
        raise b.error("gpf_time_reliability", "'reliable' differs from the seed's 'unreliable': add "
                      "gpf_time_reliability_reason saying why (e.g. the RTDS-observed 0x00)")
    return {k: v for k, v in out.items() if v is not None}


def _normal_clause(text: str) -> str:
    """``"S1SR Clause 18.7(i)"`` and ``"18.7(i)"`` alike: lower case, no "S1SR"/"clause" words."""
    words = text.lower().replace("clause", " ").replace("s1sr", " ").split()
    return " ".join(words)


def _check_clause(sec: Section, spec: S.Behaviour) -> None:
    """A declaration that cites a clause must cite the one that allows the behaviour."""
    cited = sec.text("clause")
    if cited is None:
        return
    if not spec.clause:
        raise sec.error("clause", f"behaviour '{spec.name}' is not an S1SR device-specific behaviour: "
                                  f"no clause to cite")
    allowed = _normal_clause(spec.clause)
    if _normal_clause(cited) not in (allowed, allowed.split(" (")[0]):
        raise sec.error("clause", f"'{cited}' is not the clause that allows '{spec.name}': {spec.clause}")


def _waivers(s: Section) -> tuple[M.Waiver, ...]:
    items = s.seq("waivers")
    if items is None:
        return ()
    out = []
    for i, item in enumerate(items):
        where = f"{s.path('waivers')}[{i}]"
        _require_mapping(item, items, i, where, "{requirement or test, reason}")
        w = Section(item, where, S.WAIVER_FIELDS).check_fields()
        req, test = w.text("requirement"), w.text("test")
        if req is None and test is None:
            raise ProfileError("a waiver needs 'requirement' or 'test'", file=item.file, line=item.line,
                               field=f"{where}.requirement")
        out.append(M.Waiver(reason=w.text("reason", required=True) or "", requirement=req, test=test))
    return tuple(out)


def _emulator(s: Section, role: Role) -> dict[str, Any]:
    e = s.mapping("emulator", S.EMULATOR_FIELDS)
    if e is None:
        return {}
    out: dict[str, Any] = {}
    if e.has("faults"):
        faults = e.text_list("faults", choices=S.fault_names(), noun="fault")
        items = e.seq("faults")
        assert items is not None
        for i, name in enumerate(faults):
            problem = S.fault_role_problem(name, role.value)
            if problem:
                file, line = items.mark(i)
                raise ProfileError(problem, file=file, line=line, field=f"{e.path('faults')}[{i}]")
        out["faults"] = faults
    for key in ("registers", "debt_recovery"):
        sub = e.mapping(key)
        if sub is None:
            continue
        for name in sub.node:
            value = sub.node[name]
            if key == "registers" and (isinstance(value, bool) or not isinstance(value, int)):
                raise sub.error(name, f"expected a whole number, got {S.type_name(value)}")
            if key == "debt_recovery" and not isinstance(value, dict):
                raise sub.error(name, f"expected a mapping, got {S.type_name(value)}")
        out[key] = _plain(sub.node)
    for key in ("clock_offset_s", "consumption_per_wake", "reply_latency_ms", "processing_ms", "han_clock_tolerance_s"):
        if e.has(key):
            out[key] = e.integer(key, minimum=None if key == "clock_offset_s" else 0)
    style = e.mapping("date_time_style", ("day_of_week", "hundredths_unspecified", "deviation"))
    if style is not None:
        out["date_time_style"] = _plain(style.node)
    if e.has("payment_mode"):
        out["payment_mode"] = e.choice("payment_mode", S.PAYMENT_MODES)
    codes = e.mapping("message_codes")
    if codes is not None:
        out["message_codes"] = _message_codes(codes)
    return out


def _message_codes(codes: Section) -> dict[str, int]:
    """Use-case id -> message code overrides (e.g. the provisional SECMP0002 reset codes)."""
    from harness.gbcs.catalogue import CATALOGUE

    out: dict[str, int] = {}
    for name in codes.node:
        value = codes.node[name]
        try:
            CATALOGUE.by_id(str(name))
        except KeyError:
            raise codes.error(name, f"unknown use case '{name}' (not in the use-case catalogue)") from None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 0xFFFF:
            raise codes.error(name, f"expected a message code 0x0000..0xFFFF, got {value!r}")
        out[str(name)] = value
    return out


def _plain(value: Any) -> Any:
    """A YMap/YList tree as plain dicts and lists."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


_CONNECTION_KEYS: dict[str, tuple[str, ...]] = {
    "emulated": ("type",),
    "emulated-process": ("type", "command"),
    "serial": ("type", "url", "path", "usb", "baudrate", "command"),
    "tcp": ("type", "host", "port"),
    "zigbee": ("type", "radio", "path", "usb", "baudrate"),
}


def _connection(c: Section | None) -> M.Connection:
    assert c is not None
    kind = c.choice("type", S.CONNECTION_TYPES, required=True)
    assert kind is not None
    for key in c.node:
        if key not in _CONNECTION_KEYS[kind]:
            raise c.error(key, f"not used by a '{kind}' connection (it takes: "
                               f"{', '.join(_CONNECTION_KEYS[kind][1:]) or 'nothing else'})")
    usb = None
    u = c.mapping("usb", ("vid_pid", "serial"))
    if u is not None:
        vid_pid = u.text("vid_pid", required=True) or ""
        if not S.VID_PID_RE.match(vid_pid):
            raise u.error("vid_pid", f"'{vid_pid}' is not a USB id (VVVV:PPPP, hex)")
        usb = M.UsbId(vid_pid=vid_pid.lower(), serial=u.text("serial"))
    command = None
    if c.has("command"):
        command = tuple(c.text_list("command")) or None
    conn = M.Connection(
        type=ConnectionType(kind), url=c.text("url"), path=c.text("path"), usb=usb,
        baudrate=c.integer("baudrate", minimum=1), host=c.text("host"),
        port=c.integer("port", minimum=1, maximum=65535), radio=c.choice("radio", S.RADIOS),
        command=command,
    )
    if kind == "serial" and not (conn.url or conn.path or conn.usb or conn.command):
        raise ProfileError("a serial connection needs 'url', 'path', 'usb' or 'command'", file=c.node.file,
                           line=c.node.line, field=c.path("url"))
    if kind == "tcp":
        c.get("host", required=True)
        c.get("port", required=True)
    if kind == "zigbee":
        c.get("radio", required=True)
        if not (conn.path or conn.usb):
            raise ProfileError("a zigbee connection needs 'path' or 'usb'", file=c.node.file,
                               line=c.node.line, field=c.path("path"))
    return conn


def _merge(base: YMap, over: YMap, skip: tuple[str, ...] = ()) -> YMap:
    """``base`` with the keys of ``over`` on top; ``behaviours``/``emulator`` merge key by key.
    Each key keeps the mark of the file it was written in."""
    out = YMap(base)
    out.file, out.line, out.marks, out.raw = base.file, base.line, dict(base.marks), dict(base.raw)
    for key, value in over.items():
        if key in skip:
            continue
        if key in ("behaviours", "emulator") and isinstance(value, YMap) and isinstance(out.get(key), YMap):
            value = _merge(out[key], value)
        out[key] = value
        out.marks[key] = over.mark(key)
        if key in over.raw:
            out.raw[key] = over.raw[key]
        else:
            out.raw.pop(key, None)
    return out


def _require_mapping(item: Any, items: YList, i: int, where: str, what: str) -> None:
    """A list item that must be a mapping: else a ProfileError at the item's line."""
    if not isinstance(item, YMap):
        file, line = items.mark(i)
        raise ProfileError(f"expected a mapping {what}, got {S.type_name(item)}", file=file, line=line, field=where)


def _device_entry(item: Any, items: YList, i: int) -> M.DeviceProfile:
    where = f"devices[{i}]"
    _require_mapping(item, items, i, where, "({profile: path} or a device)")
    entry = Section(item, where, S.DEVICE_ENTRY_FIELDS).check_fields()
    if not entry.has("profile"):
        return _device(item, where, S.DEVICE_ENTRY_FIELDS)
    path = _resolve(entry, "profile", "device profile", False)
    node = _read(path, "device")
    Section(node, "", S.DEVICE_FIELDS).check_fields()
    merged = _merge(node, item, skip=("profile",))
    dev = _device(merged, "", S.DEVICE_ENTRY_FIELDS)
    dev.source = path
    return dev


def _bench(node: YMap, path: Path) -> M.BenchProfile:
    s = Section(node, "", S.BENCH_FIELDS).check_fields()
    name = s.text("name", required=True) or ""
    connection = _connection(s.mapping("connection", S.CONNECTION_FIELDS, required=True))
    t = s.mapping("timeouts", S.TIMEOUT_FIELDS)
    defaults = M.Timeouts()
    timeouts = M.Timeouts(t.number("response_s", defaults.response_s), t.number("han_s", defaults.han_s),
                          t.number("operator_s", defaults.operator_s),
                          t.number("max_wait_s", defaults.max_wait_s),
                          t.number("restart_s", defaults.restart_s)) if t is not None else defaults
    remote = M.RemoteParties()
    r = s.mapping("remote_parties", S.REMOTE_PARTY_FIELDS)
    if r is not None:
        ks = r.text("keystore")
        remote = M.RemoteParties(
            keystore=None if ks in (None, M.BUILTIN) else _resolve(r, "keystore", "keystore folder", True, ks),
            supplier=r.eui("supplier", default=remote.supplier) or remote.supplier,
            network_operator=r.eui("network_operator", default=remote.network_operator) or "",
            acb=r.eui("acb", default=remote.acb) or remote.acb,
        )
    items = s.seq("devices", required=True)
    assert items is not None
    if not items:
        raise s.error("devices", "a bench needs at least one device")
    devices: list[M.DeviceProfile] = []
    roles: dict[Role, int] = {}
    euis: dict[str, int] = {}
    for i, item in enumerate(items):
        dev = _device_entry(item, items, i)
        if dev.source is None:  # inline: the bench file defines it
            dev.source = path.resolve()
        file, line = items.mark(i)
        if dev.role in roles:
            raise ProfileError(f"duplicate role {dev.role.value} (already devices[{roles[dev.role]}])",
                               file=file, line=line, field=f"devices[{i}].role")
        if dev.eui in euis:
            raise ProfileError(f"duplicate EUI {dev.eui} (already devices[{euis[dev.eui]}])",
                               file=file, line=line, field=f"devices[{i}].eui")
        roles[dev.role], euis[dev.eui] = i, i
        _check_stimuli(node, items, i, dev, connection)
        devices.append(dev)
    lab = _bench_lab(s)
    for i, dev in enumerate(devices):
        _check_power_switched(items, i, dev, lab)
    return M.BenchProfile(name=name, description=s.text("description", default="") or "",
                        connection=connection, timeouts=timeouts, remote_parties=remote,
                        devices=devices, source=path.resolve(), lab=lab)


def _check_power_switched(items: YList, i: int, dev: M.DeviceProfile, lab: M.BenchLab) -> None:
    """A ``restart: switch`` or ``power_loss: switch`` needs the device's power switch in ``lab.power``
    (the GPF's is the CHF's)."""
    role = dev.role.value
    supply = S.SAME_SUPPLY.get(role, role)
    for key in S.POWER_SWITCHED:
        if dev.stimuli.get(key) != "switch" or role in lab.power or supply in lab.power:
            continue
        item = items[i]
        st_node = item.get("stimuli") if isinstance(item, YMap) else None
        file, line = st_node.mark(key) if isinstance(st_node, YMap) and key in st_node else items.mark(i)
        declared = ", ".join(sorted(lab.power)) or "none"
        what = f"cuts the {role}'s supply during one command" if key == "power_loss" else f"cycles the {role}'s supply"
        raise ProfileError(f"'switch' {what} through the bench's labgrid power switch: declare "
                           f"lab.power.{supply} (resources and a power driver; declared: {declared})",
                           file=file, line=line, field=f"devices[{i}].stimuli.{key}")
    for key, link in S.LINK_SWITCHED.items():
        if dev.stimuli.get(key) != "switch" or link in lab.power or dev.stimuli.get("switch"):
            continue
        item = items[i]
        st_node = item.get("stimuli") if isinstance(item, YMap) else None
        file, line = st_node.mark(key) if isinstance(st_node, YMap) and key in st_node else items.mark(i)
        raise ProfileError(f"'switch' for {key} needs the switch that does it: lab.power.{link} (a labgrid power "
                           f"driver on the RF-shield relay; off cuts the link) or stimuli.switch (an external "
                           f"switch driver's name)", file=file, line=line, field=f"devices[{i}].stimuli.{key}")


_TAG_KEY = re.compile(r"^[a-z][a-z0-9_]+$")


def _bench_lab(s: Section) -> M.BenchLab:
    lab = s.mapping("lab", S.BENCH_LAB_FIELDS)
    if lab is None:
        return M.BenchLab()
    tags: dict[str, str] = {}
    t = lab.mapping("tags")
    if t is not None:
        for key in t.node:
            if not _TAG_KEY.match(key):
                raise t.error(key, "a labgrid tag name is lower case, starts with a letter, 2+ of [a-z0-9_]")
            tags[key] = t.text(key) or ""
    power: dict[str, dict[str, Any]] = {}
    p = lab.mapping("power")
    if p is not None:
        for role in p.node:
            if role.upper() not in (*S.ROLES, S.HAN_SWITCH):
                raise p.error(role, f"'{role}' is not a role: one of {', '.join(S.ROLES)} (or {S.HAN_SWITCH}, the "
                              "RF-shield relay of the HAN)")
            entry = p.mapping(role, S.POWER_FIELDS)
            assert entry is not None
            drivers = entry.mapping("drivers")
            if drivers is None or not drivers.node:
                raise entry.error("drivers", "a power switch names a labgrid power driver (e.g. NetworkPowerDriver)",
                                  mark=p.node.mark(role))
            entry.mapping("resources")
            spec = _plain(entry.node)
            if entry.has("off_s"):
                spec["off_s"] = entry.number("off_s", 2.0, minimum=0.0)
            power[role.upper()] = spec
    return M.BenchLab(place=lab.text("place"), tags=tags, power=power)


def _profile_set(node: YMap, path: Path) -> M.ProfileSet:
    s = Section(node, "", S.SET_FIELDS).check_fields()
    name = s.text("name", required=True) or ""
    items = s.seq("benches", required=True)
    assert items is not None
    if not items:
        raise s.error("benches", "a profile set needs at least one bench")
    benches: list[M.BenchProfile] = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        file, line = items.mark(i)
        field = f"benches[{i}]"
        if not isinstance(item, str):
            raise ProfileError(f"expected a bench profile path, got {S.type_name(item)}", file=file, line=line,
                               field=field)
        p = Path(item).expanduser()
        p = (p if p.is_absolute() else Path(file).resolve().parent / p).resolve()
        if not p.is_file():
            raise ProfileError(f"bench profile not found: {p}", file=file, line=line, field=field)
        bench = load_bench(p)
        if bench.name in seen:
            raise ProfileError(f"duplicate bench name '{bench.name}' (already benches[{seen[bench.name]}])",
                               file=file, line=line, field=field)
        seen[bench.name] = i
        benches.append(bench)
    mask = None
    m = s.mapping("defect_mask", S.SEVERITIES)
    if m is not None:
        limits = {sev: m.integer(sev, minimum=0) for sev in S.SEVERITIES}
        mask = DefectMask.from_mapping({k: v for k, v in limits.items() if v is not None}, source=str(path))
    lab = s.mapping("lab", S.SET_LAB_FIELDS)
    set_lab = M.SetLab(store=lab.text("store"), coordinator=lab.text("coordinator")) if lab else M.SetLab()
    return M.ProfileSet(name=name, benches=benches, description=s.text("description", default="") or "",
                      defect_mask=mask, source=path.resolve(), lab=set_lab)
