// Container image references, after the distribution reference grammar
// (github.com/distribution/reference): [host[:port]/]path[:tag][@digest].
const HOST = String.raw`(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?`;
const COMPONENT = String.raw`[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`;
const REPOSITORY = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export interface ImageParts {
  repository: string;
  tag?: string;
  digest?: string;
}

export function splitImage(image: string): ImageParts {
  const [named = "", digest] = image.split("@", 2);
  const lastSlash = named.lastIndexOf("/");
  const colon = named.indexOf(":", lastSlash + 1);
  if (colon === -1) return { repository: named, digest };
  return { repository: named.slice(0, colon), tag: named.slice(colon + 1), digest };
}

/**
 * Why an image cannot be pinned as a sidecar image, or undefined when it can. A pin must name
 * one exact build: a digest, or a tag other than "latest".
 */
export function pinnedImageProblem(image: string): string | undefined {
  const { repository, tag, digest } = splitImage(image);
  if (!REPOSITORY.test(repository)) return "is not a valid image reference";
  if (digest !== undefined && !DIGEST.test(digest))
    return "has an invalid digest (want sha256:<64 hex>)";
  if (tag !== undefined && !TAG.test(tag)) return "has an invalid tag";
  if (digest === undefined && tag === undefined) return "has no tag or digest; pin a version";
  if (digest === undefined && tag === "latest") return 'uses the tag "latest"; pin a version';
  return undefined;
}

/** Istio honours sidecar.istio.io/proxyImage only when the value contains "/". */
export function istioImageProblem(image: string): string | undefined {
  if (!image.includes("/"))
    return 'has no "/" (Istio ignores such a proxyImage); give the full repository';
  return pinnedImageProblem(image);
}

/** Linkerd renders <proxy-image>:<proxy-version>, so the image must be a bare repository. */
export function linkerdRepositoryProblem(repository: string): string | undefined {
  const parts = splitImage(repository);
  if (parts.tag !== undefined || parts.digest !== undefined) {
    return "must be a repository without tag or digest (the version goes in version)";
  }
  return REPOSITORY.test(repository) ? undefined : "is not a valid image repository";
}

export function linkerdVersionProblem(version: string): string | undefined {
  if (!TAG.test(version)) return "is not a valid image tag";
  if (version === "latest") return 'is "latest"; pin a version';
  return undefined;
}
