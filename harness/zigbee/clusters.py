# zigpy coerces plain ints/strings/dicts into its own types at class creation; its stubs do not say so.
# mypy: disable-error-code="arg-type"
"""zigpy definitions of the ZSE Tunneling (0x0704) and Prepayment (0x0705) clusters.

zigpy 2.x ships both as empty stubs (a cluster id, no attribute or command). These classes add
what the harness uses, built from the one declaration of those clusters in the codec
(:data:`harness.gbcs.zcl.ATTRIBUTES` and :data:`~harness.gbcs.zcl.COMMANDS`), so zigpy endpoints
and quirks understand the same frames the transport encodes (``harness.zigbee.zse``); the tests
check both agree byte for byte. They import zigpy, so import this module only when the ``zigbee``
extra is installed. They stay out of zigpy's global cluster registry unless ``register_clusters()``
is called (it replaces the stubs for the whole process: opt in).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from typing import Any

import zigpy.types as t
from zigpy.zcl import Cluster
from zigpy.zcl.foundation import BaseAttributeDefs, BaseCommandDefs, ZCLAttributeDef, ZCLCommandDef

from harness.gbcs import zcl

#: zigpy's type for each ZCL type the declarations use.
ZIGPY_TYPES: dict[int, Any] = {
    zcl.UINT8: t.uint8_t, zcl.UINT16: t.uint16_t, zcl.UINT24: t.uint24_t, zcl.UINT32: t.uint32_t,
    zcl.UINT48: t.uint48_t, zcl.INT8: t.int8s, zcl.INT16: t.int16s, zcl.INT24: t.int24s, zcl.INT32: t.int32s,
    zcl.BITMAP8: t.bitmap8, zcl.BITMAP16: t.bitmap16, zcl.ENUM8: t.enum8, zcl.ENUM16: t.enum16,
    zcl.UTC_TIME: t.uint32_t, 0x10: t.Bool, zcl.OCTET_STRING: t.LVBytes, zcl.CHAR_STRING: t.CharacterString,
    zcl.BYTES_TO_END: t.Bytes,
}


def _enum(name: str, names: Mapping[int, str]) -> Any:
    """A zigpy enum8 class with the declared value names (zigpy's enum metaclass takes no
    functional call of its own, so the standard one builds it)."""
    return enum.EnumMeta.__call__(t.enum8, name, names=[(v, k) for k, v in names.items()])


TunnelProtocol = _enum("TunnelProtocol", zcl.TUNNEL_PROTOCOLS)
TunnelStatus = _enum("TunnelStatus", zcl.TUNNEL_STATUS)
TransferDataStatus = _enum("TransferDataStatus", zcl.TRANSFER_DATA_STATUS)
DebtAmountType = _enum("DebtAmountType", zcl.DEBT_AMOUNT_TYPES)
_ENUMS = {id(zcl.TUNNEL_PROTOCOLS): TunnelProtocol, id(zcl.TUNNEL_STATUS): TunnelStatus,
          id(zcl.TRANSFER_DATA_STATUS): TransferDataStatus, id(zcl.DEBT_AMOUNT_TYPES): DebtAmountType}


def _field_type(f: zcl.FieldDef) -> Any:
    return _ENUMS[id(f.names)] if f.names is not None else ZIGPY_TYPES[f.type_id]


def _snake(name: str) -> str:
    """``DebtAmount1`` -> ``debt_amount_1`` (zigpy's attribute naming)."""
    return re.sub(r"(?<=[a-z])(?=[A-Z0-9])", "_", name).lower()


def _attribute_defs(cluster: int) -> type[BaseAttributeDefs]:
    attrs = {_snake(name): ZCLAttributeDef(id=aid, type=ZIGPY_TYPES[type_id], access="r")
             for aid, (name, type_id) in zcl.ATTRIBUTES.get(cluster, {}).items()}
    return type("AttributeDefs", (BaseAttributeDefs,), attrs)


def _command_defs(cluster: int, to_client: bool) -> type[BaseCommandDefs]:
    cmds = {c.name: ZCLCommandDef(id=c.command_id, schema={f.name: _field_type(f) for f in c.fields})
            for c in zcl.COMMANDS if c.cluster == cluster and c.to_client is to_client}
    return type("ClientCommandDefs" if to_client else "ServerCommandDefs", (BaseCommandDefs,), cmds)


def _cluster(name: str, cluster: int, ep_attribute: str, doc: str) -> type[Cluster]:
    """A zigpy cluster class from the declarations (kept out of zigpy's registry)."""
    return type(name, (Cluster,), {
        "__doc__": doc, "__module__": __name__, "cluster_id": t.uint16_t(cluster), "ep_attribute": ep_attribute,
        "_skip_registry": True, "AttributeDefs": _attribute_defs(cluster),
        "ServerCommandDefs": _command_defs(cluster, False), "ClientCommandDefs": _command_defs(cluster, True)})


GbTunneling = _cluster("GbTunneling", zcl.CLUSTER_TUNNELING, "smartenergy_tunneling",
                       "ZSE Tunneling cluster (SE 1.x), the commands GBCS uses with protocol GB-HRGP.")
GbPrepayment = _cluster("GbPrepayment", zcl.CLUSTER_PREPAYMENT, "smartenergy_prepayment",
                        "ZSE Prepayment cluster: the debt registers and Change Debt (GCS04, GCS14).")


def register_clusters() -> None:
    """Replace zigpy's empty Tunneling/Prepayment stubs in its cluster registry (process-wide)."""
    Cluster._registry[GbTunneling.cluster_id] = GbTunneling
    Cluster._registry[GbPrepayment.cluster_id] = GbPrepayment
