"""Address-space work in batched service calls: resolve configured nodes, read their metadata,
and browse a bounded tree for the tag browser."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from asyncua import ua
from asyncua.client.client import Client
from asyncua.common.node import Node
from asyncua.ua.attribute_ids import AttributeIds
from asyncua.ua.object_ids import ObjectIds
from asyncua.ua.uatypes import Int32

from drivers.base import BrowseNode
from drivers.opcua.config import OpcuaNodeConfig, parse_browse_path

log = logging.getLogger(__name__)

MAX_BROWSE_NODES = 2000
_MAX_CONTINUATIONS = 50
_HAS_PROPERTY = ua.NodeId(Int32(ObjectIds.HasProperty))


@dataclass(frozen=True, slots=True)
class Resolution:
    """A configured node and what it resolved to: a Node, or the reason it did not."""

    config: OpcuaNodeConfig
    node: Node | None
    problem: str = ""


@dataclass(frozen=True, slots=True)
class NodeMetadata:
    """What the server tells about a variable: engineering unit and description."""

    unit: str = ""
    description: str = ""


async def resolve_nodes(client: Client, configs: list[OpcuaNodeConfig]) -> list[Resolution]:
    """Resolve NodeIds and browse paths; existence is checked with one batched NodeClass read."""
    by_path = [c for c in configs if c.browse_path is not None]
    paths = [list(parse_browse_path(str(c.browse_path))) for c in by_path]
    found: dict[str, Node | None] = {}
    if paths:
        root = client.nodes.root
        results = await root.get_children_by_path(paths, raise_on_partial_error=False)
        for config, targets in zip(by_path, results, strict=True):
            found[config.tag] = targets[0] if targets else None
    candidates = [
        found.get(c.tag) if c.browse_path else client.get_node(str(c.node)) for c in configs
    ]
    present = [node for node in candidates if node is not None]
    classes = await client.read_attributes(present, AttributeIds.NodeClass) if present else []
    status_by_node = {node.nodeid: dv.StatusCode for node, dv in zip(present, classes, strict=True)}
    resolutions: list[Resolution] = []
    for config, node in zip(configs, candidates, strict=True):
        if node is None:
            resolutions.append(Resolution(config, None, "browse path not found"))
            continue
        status = status_by_node.get(node.nodeid)
        if status is not None and not status.is_good():
            resolutions.append(Resolution(config, None, f"node not found ({status.name})"))
        else:
            resolutions.append(Resolution(config, node))
    return resolutions


async def browse_many(
    client: Client,
    nodeids: list[ua.NodeId],
    reference_type: int = ObjectIds.HierarchicalReferences,
) -> list[list[ua.ReferenceDescription]]:
    """Forward references of many nodes in one Browse call (continuations followed, bounded)."""
    if not nodeids:
        return []
    descriptions = [
        ua.BrowseDescription(
            NodeId=nodeid,
            BrowseDirection=ua.BrowseDirection.Forward,
            ReferenceTypeId=ua.NodeId(Int32(reference_type)),
            IncludeSubtypes=True,
            NodeClassMask=0,
            ResultMask=ua.BrowseResultMask.All,
        )
        for nodeid in nodeids
    ]
    params = ua.BrowseParameters(NodesToBrowse=descriptions, RequestedMaxReferencesPerNode=0)
    results = await client.uaclient.browse(params)
    return [await _all_references(client, result) for result in results]


async def _all_references(client: Client, result: ua.BrowseResult) -> list[ua.ReferenceDescription]:
    """The result's references plus those behind its continuation points (bounded)."""
    refs = list(result.References or [])
    point, rounds = result.ContinuationPoint, 0
    while point and rounds < _MAX_CONTINUATIONS:
        more = await client.uaclient.browse_next(
            ua.BrowseNextParameters(ContinuationPoints=[point])
        )
        refs.extend(more[0].References or [])
        point, rounds = more[0].ContinuationPoint, rounds + 1
    return refs


async def read_metadata(client: Client, nodes: list[Node]) -> list[NodeMetadata]:
    """Unit (EngineeringUnits property, EUInformation.DisplayName) and Description of each node."""
    if not nodes:
        return []
    descriptions = await client.read_attributes(nodes, AttributeIds.Description)
    properties = await browse_many(client, [n.nodeid for n in nodes], ObjectIds.HasProperty)
    unit_nodes: dict[int, Node] = {}
    for index, refs in enumerate(properties):
        for ref in refs:
            if ref.BrowseName.Name == "EngineeringUnits":
                unit_nodes[index] = client.get_node(ref.NodeId)
    unit_values = await client.read_attributes(list(unit_nodes.values())) if unit_nodes else []
    units = {index: _unit_text(dv) for index, dv in zip(unit_nodes, unit_values, strict=True)}
    return [
        NodeMetadata(unit=units.get(index, ""), description=_text(descriptions[index]))
        for index in range(len(nodes))
    ]


def _text(data: ua.DataValue) -> str:
    value = data.Value.Value if data.Value is not None else None
    if isinstance(value, ua.LocalizedText):
        return value.Text or ""
    return "" if value is None else str(value)


def _unit_text(data: ua.DataValue) -> str:
    value = data.Value.Value if data.Value is not None else None
    if isinstance(value, ua.EUInformation):
        return value.DisplayName.Text or value.Description.Text or ""
    return ""


@dataclass(slots=True)
class _Draft:
    address: str
    name: str
    is_variable: bool
    nodeid: ua.NodeId
    children: list[_Draft]

    def freeze(self) -> BrowseNode:
        kids = tuple(child.freeze() for child in self.children)
        return BrowseNode(self.address, self.name, self.is_variable, kids)


def _draft_of(ref: ua.ReferenceDescription) -> _Draft | None:
    """A browse-tree entry for an object or variable reached by a non-property reference."""
    if ref.ReferenceTypeId == _HAS_PROPERTY:
        return None
    if ref.NodeClass not in (ua.NodeClass.Object, ua.NodeClass.Variable):
        return None
    nodeid = ref.NodeId
    name = ref.DisplayName.Text or ref.BrowseName.Name or nodeid.to_string()
    return _Draft(nodeid.to_string(), name, ref.NodeClass == ua.NodeClass.Variable, nodeid, [])


async def browse_tree(
    client: Client, depth: int, limit: int = MAX_BROWSE_NODES
) -> list[BrowseNode]:
    """Objects and variables below the Objects folder, ``depth`` levels deep, at most ``limit`` nodes.

    Each level is one batched Browse call; properties (HasProperty) are left out.
    """
    top = _Draft("", "Objects", False, client.nodes.objects.nodeid, [])
    level, count = [top], 0
    for _ in range(depth):
        if not level or count >= limit:
            break
        refs_per_node = await browse_many(client, [draft.nodeid for draft in level])
        next_level: list[_Draft] = []
        for parent, refs in zip(level, refs_per_node, strict=True):
            for draft in filter(None, map(_draft_of, refs)):
                if count < limit:
                    parent.children.append(draft)
                    next_level.append(draft)
                    count += 1
        level = next_level
    if count >= limit:
        log.info("browse stopped at %d nodes", limit)
    return [child.freeze() for child in top.children]
