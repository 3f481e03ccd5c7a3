// The repository of an image stream (docs/rules.md, "The plan": links are
// "per repository (`namespace/name` of the stream)"): the registry keeps an
// image stream's manifests and layer links under the repository path
// `namespace/name`. Defined here once; plan, hard prune, fsck and the CLI use it.

/** The repository path (`namespace/name`) of the image stream `name` in `namespace`. */
export function repositoryOf(namespace: string | undefined, name: string): string {
  return `${namespace}/${name}`;
}

/** The repository path (`namespace/name`) the registry stores an image stream's data under. */
export function repositoryOfStream(stream: { metadata: { namespace?: string; name: string } }): string {
  return repositoryOf(stream.metadata.namespace, stream.metadata.name);
}

/** The image stream a repository path belongs to, when it is `namespace/name`; undefined for other paths. */
export function splitRepository(repository: string): { namespace: string; name: string } | undefined {
  const parts = repository.split('/');
  return parts.length === 2 && parts[0] && parts[1] ? { namespace: parts[0], name: parts[1] } : undefined;
}
