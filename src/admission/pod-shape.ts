import { isPlainObject } from "../plain-object.js";

/*
 * The shape of every field meshtune reads from a pod or pod template, checked before planning.
 * The apiserver only ever sends pods of this shape; manifests given to `meshtune mutate`, and
 * bodies sent to the webhook by anything else, may not be. A check returns why the value at
 * `path` is wrong, or undefined.
 */
type Check = (value: unknown, path: Path) => string | undefined;

/**
 * Where a value is: its parent's path and its key. Spelled out (`spec.containers[0].args[1]`)
 * only for a message, as a pod has thousands of fields and nearly all of them are fine.
 */
interface Path {
  parent?: Path;
  key: string | number;
}

/** What a value is, for a message: `the number 8000`, `a list`. */
function what(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (isPlainObject(value)) return "a mapping";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  if (typeof value === "number" || typeof value === "boolean") {
    return `the ${typeof value} ${String(value).slice(0, 40)}`;
  }
  return `a ${typeof value}`;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The path as text; the root's key is the prefix it was given, already spelled. */
function spelled(path: Path): string {
  if (path.parent === undefined) return String(path.key);
  const parent = spelled(path.parent);
  if (typeof path.key === "number") return `${parent}[${path.key}]`;
  if (!NAME.test(path.key)) return `${parent}[${JSON.stringify(path.key)}]`;
  return parent === "" ? path.key : `${parent}.${path.key}`;
}

function wrong(path: Path, value: unknown, noun: string): string {
  const where = spelled(path) || "the object";
  return value === undefined ? `${where} is missing` : `${where} is ${what(value)}, not ${noun}`;
}

function kind(accepts: (value: unknown) => boolean, noun: string): Check {
  return (value, path) => (accepts(value) ? undefined : wrong(path, value, noun));
}

const string = kind((value) => typeof value === "string", "a string");
// Kubernetes reads a quantity from a JSON number too ("nvidia.com/gpu: 1").
const quantity = kind(
  (value) => typeof value === "string" || typeof value === "number",
  "a quantity",
);
const mapping = kind(isPlainObject, "a mapping");
const wholeNumber = kind(Number.isInteger, "a whole number");
// An IntOrString port: a number, or the name of one of the container's ports.
const port = kind(
  (value) => typeof value === "string" || Number.isInteger(value),
  "a port number or name",
);

/** A field that may be missing; null counts as missing (Helm renders `annotations:` so). */
function optional(check: Check): Check {
  return (value, path) => (value === undefined || value === null ? undefined : check(value, path));
}

function listOf(check: Check): Check {
  return (value, path) => {
    if (!Array.isArray(value)) return wrong(path, value, "a list");
    for (const [index, item] of value.entries()) {
      const problem = check(item, { parent: path, key: index });
      if (problem) return problem;
    }
    return undefined;
  };
}

function mapOf(check: Check): Check {
  return (value, path) => {
    if (!isPlainObject(value)) return wrong(path, value, "a mapping");
    for (const [key, item] of Object.entries(value)) {
      const problem = check(item, { parent: path, key });
      if (problem) return problem;
    }
    return undefined;
  };
}

function fields(shape: Record<string, Check>): Check {
  const entries = Object.entries(shape);
  return (value, path) => {
    if (!isPlainObject(value)) return wrong(path, value, "a mapping");
    for (const [key, check] of entries) {
      const problem = check(value[key], { parent: path, key });
      if (problem) return problem;
    }
    return undefined;
  };
}

const named = fields({ name: optional(string) });

// The warmup checks health where the container's own httpGet probe does.
const probe = fields({
  httpGet: optional(
    fields({
      host: optional(string),
      port: optional(port),
      path: optional(string),
      scheme: optional(string),
    }),
  ),
});

const container = fields({
  name: optional(string),
  image: optional(string),
  command: optional(listOf(string)),
  args: optional(listOf(string)),
  env: optional(listOf(fields({ name: optional(string), value: optional(string) }))),
  ports: optional(listOf(fields({ name: optional(string), containerPort: optional(wholeNumber) }))),
  resources: optional(
    fields({ limits: optional(mapOf(quantity)), requests: optional(mapOf(quantity)) }),
  ),
  volumeMounts: optional(listOf(fields({ name: optional(string), mountPath: optional(string) }))),
  lifecycle: optional(
    fields({
      postStart: optional(
        fields({ exec: optional(fields({ command: optional(listOf(string)) })) }),
      ),
      preStop: optional(mapping),
    }),
  ),
  readinessProbe: optional(probe),
  startupProbe: optional(probe),
  livenessProbe: optional(probe),
});

const podShape = fields({
  metadata: optional(
    fields({
      name: optional(string),
      generateName: optional(string),
      namespace: optional(string),
      labels: optional(mapOf(string)),
      annotations: optional(mapOf(string)),
    }),
  ),
  spec: fields({
    containers: optional(listOf(container)),
    initContainers: optional(listOf(container)),
    volumes: optional(listOf(named)),
    resourceClaims: optional(listOf(named)),
    runtimeClassName: optional(string),
    restartPolicy: optional(string),
    terminationGracePeriodSeconds: optional(wholeNumber),
  }),
});

/**
 * Why `pod` (a Pod, or a workload's pod template) is not a pod meshtune can read, naming the
 * first field that is wrong by its path under `path`; undefined when it is one.
 */
export function podShapeProblem(pod: unknown, path = ""): string | undefined {
  return podShape(pod, { key: path });
}
