import type { Operation } from "fast-json-patch";
import {
  isAlias,
  isMap,
  isScalar,
  isSeq,
  Pair,
  visit,
  type Document,
  type Node,
  type YAMLMap,
  type YAMLSeq,
} from "yaml";

type Collection = YAMLMap | YAMLSeq;

const unescape = (token: string) => token.replace(/~1/g, "/").replace(/~0/g, "~");

function keyText(key: unknown): string {
  return isScalar(key) ? String(key.value) : String(key);
}

/** A `<<` merge key, as go-yaml (and kubectl) read it in YAML 1.1. */
function isMergeKey(key: unknown): boolean {
  const value = isScalar(key) ? key.value : key;
  return value === "<<" || (typeof value === "symbol" && value.description === "<<");
}

/** A deep copy of `node` with no anchors: placed where an alias was, it means the same. */
function copyWithoutAnchors(node: Node): Node {
  const copy = node.clone() as Node;
  visit(copy, {
    Node(_, each) {
      if ("anchor" in each) each.anchor = undefined;
    },
  });
  return copy;
}

function resolved(document: Document, node: unknown): unknown {
  return isAlias(node) ? node.resolve(document) : node;
}

/**
 * Before `node` changes, every alias of it (and every merge of it, `<<: *it`) is replaced by a
 * copy of it as it is now, so no other node changes with it. Its anchor stays, with nothing
 * left to refer to it.
 */
function detach(document: Document, node: Node): void {
  const anchor = "anchor" in node ? node.anchor : undefined;
  if (!anchor) return;
  const before = copyWithoutAnchors(node);
  visit(document, {
    Alias(_, alias) {
      return alias.source === anchor ? copyWithoutAnchors(before) : undefined;
    },
  });
}

/** The values `<<` merges into `map`, in the order go-yaml looks them up. */
function mergeSources(document: Document, map: YAMLMap): YAMLMap[] {
  return map.items
    .filter((pair) => isMergeKey(pair.key))
    .flatMap((pair) => {
      const source = resolved(document, pair.value);
      const maps = isSeq(source) ? source.items.map((item) => resolved(document, item)) : [source];
      return maps.filter((each): each is YAMLMap => isMap(each));
    });
}

function ownPair(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => !isMergeKey(pair.key) && keyText(pair.key) === key);
}

/**
 * The node at `key` in `map`, made the map's own: an alias becomes a copy of what it names, and
 * a value `map` only inherits through `<<` becomes a copy in a key of its own.
 */
function ownChild(document: Document, map: YAMLMap, key: string): unknown {
  const pair = ownPair(map, key);
  if (pair) {
    if (isAlias(pair.value)) pair.value = copyWithoutAnchors(pair.value.resolve(document) as Node);
    return pair.value;
  }
  for (const source of mergeSources(document, map)) {
    const inherited = ownPair(source, key);
    if (inherited) {
      const copy = copyWithoutAnchors(resolved(document, inherited.value) as Node);
      map.items.push(new Pair(document.createNode(key), copy));
      return copy;
    }
  }
  return undefined;
}

function child(document: Document, node: Collection, token: string): unknown {
  if (isMap(node)) return ownChild(document, node, token);
  const index = Number(token);
  const item = node.items[index];
  if (isAlias(item)) node.items[index] = copyWithoutAnchors(item.resolve(document) as Node);
  return node.items[index];
}

function isCollection(node: unknown): node is Collection {
  return isMap(node) || isSeq(node);
}

/**
 * Applies one `add` or `replace` operation (the only ones meshtune makes) to `document` in place,
 * keeping every other node, comment and layout the document model holds. Anchors never carry an
 * edit to another node: see detach and ownChild.
 */
function applyOperation(document: Document, operation: Operation): void {
  if (operation.op !== "add" && operation.op !== "replace") {
    throw new Error(`meshtune makes no "${operation.op}" operations`);
  }
  const tokens = operation.path.split("/").slice(1).map(unescape);
  const last = tokens.pop() ?? "";
  let node: unknown = document.contents;
  for (const token of tokens) {
    if (!isCollection(node)) break;
    detach(document, node);
    node = child(document, node, token);
  }
  if (!isCollection(node)) throw new Error(`${operation.path} has no map or list to go in`);
  detach(document, node);
  const value = document.createNode(operation.value);
  if (isMap(node)) {
    const pair = ownPair(node, last);
    if (pair) pair.value = value;
    else node.items.push(new Pair(document.createNode(last), value));
  } else if (last === "-") {
    node.items.push(value);
  } else {
    node.items.splice(Number(last), operation.op === "replace" ? 1 : 0, value);
  }
}

/** Applies a JSON Patch made by meshtune to a YAML document, in place. */
export function editDocument(document: Document, operations: Operation[]): void {
  for (const operation of operations) applyOperation(document, operation);
}
