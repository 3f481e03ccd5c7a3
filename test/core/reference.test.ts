// Pull-spec parsing (docs/rules.md, "Words"): [host[:port]/]path[:tag][@digest].
import { describe, expect, it } from 'vitest';
import { PrunerError } from '../../shared/errors.js';
import { InvalidReferenceError } from '../../shared/core/errors.js';
import { parseReference, type DockerReference } from '../../shared/core/reference.js';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseReference reads valid pull specs', () => {
  const cases: Array<[string, string, DockerReference]> = [
    // one component: no host, no namespace
    ['a single component is a name with tag latest', 'app', { name: 'app', tag: 'latest' }],
    ['a single component keeps its tag', 'app:v1', { name: 'app', tag: 'v1' }],
    ['a single component with a digest has no tag', `app@${D}`, { name: 'app', digest: D }],
    // two components
    ['two plain components are namespace and name', 'ns/app', { namespace: 'ns', name: 'app', tag: 'latest' }],
    ['two components with a tag', 'ns/app:1.0.3', { namespace: 'ns', name: 'app', tag: '1.0.3' }],
    ['a tag may use upper case, dots, dashes and underscores', 'ns/app:V1.2_rc-3', { namespace: 'ns', name: 'app', tag: 'V1.2_rc-3' }],
    ['two components with a digest only', `ns/app@${D}`, { namespace: 'ns', name: 'app', digest: D }],
    ['a tag and a digest are both kept', `ns/app:v1@${D}`, { namespace: 'ns', name: 'app', tag: 'v1', digest: D }],
    ['a first component with a dot is a host', 'quay.io/app', { host: 'quay.io', name: 'app', tag: 'latest' }],
    ['a first component with a port is a host', 'registry:5000/app', { host: 'registry:5000', name: 'app', tag: 'latest' }],
    ['localhost is a host', 'localhost/app', { host: 'localhost', name: 'app', tag: 'latest' }],
    ['localhost with a port is a host', 'localhost:5000/app:v2', { host: 'localhost:5000', name: 'app', tag: 'v2' }],
    ['path components may hold separators', 'my-ns/my_app.web', { namespace: 'my-ns', name: 'my_app.web', tag: 'latest' }],
    // three or more components: the first is a host whatever it looks like
    ['three components: host, namespace, name', 'registry/ns/app', { host: 'registry', namespace: 'ns', name: 'app', tag: 'latest' }],
    [
      'three components with a host and port, tag and digest',
      `image-registry.openshift-image-registry.svc:5000/ns/app:v1@${D}`,
      { host: 'image-registry.openshift-image-registry.svc:5000', namespace: 'ns', name: 'app', tag: 'v1', digest: D },
    ],
    ['an IP address with a port is a host', `10.0.0.1:5000/ns/app@${D}`, { host: '10.0.0.1:5000', namespace: 'ns', name: 'app', digest: D }],
    ['four components: the rest after the namespace is the name', 'quay.io/org/team/app:v3', { host: 'quay.io', namespace: 'org', name: 'team/app', tag: 'v3' }],
    ['five components', 'localhost:5000/a/b/c/d', { host: 'localhost:5000', namespace: 'a', name: 'b/c/d', tag: 'latest' }],
    ['a digest in upper case hex is read in lower case (oc accepts it)', `ns/app@sha256:${'AB'.repeat(32)}`, { namespace: 'ns', name: 'app', digest: D }],
    ['a digest in mixed case hex', `quay.io/ns/app:v1@sha256:${'aB'.repeat(32)}`, { host: 'quay.io', namespace: 'ns', name: 'app', tag: 'v1', digest: D }],
    ['a host may use upper case (only the path may not)', 'Registry.Example.com/ns/app', { host: 'Registry.Example.com', namespace: 'ns', name: 'app', tag: 'latest' }],
  ];
  it.each(cases)('%s: %s', (_why, text, expected) => {
    expect(parseReference(text)).toEqual(expected);
  });

  it('gives the tag latest only when there is neither tag nor digest', () => {
    expect(parseReference('ns/app').tag).toBe('latest');
    expect(parseReference(`ns/app@${D}`).tag).toBeUndefined();
  });
});

describe('parseReference refuses invalid references', () => {
  const cases: Array<[string, string]> = [
    ['empty', ''],
    ['only a host', 'quay.io/'],
    ['a leading slash', '/ns/app'],
    ['a trailing slash', 'ns/app/'],
    ['an empty component in the middle', 'quay.io//app'],
    ['an empty component between namespace and name', 'ns//app'],
    ['only a digest', `@${D}`],
    ['a space inside', 'ns/my app'],
    ['a leading space', ' ns/app'],
    ['a trailing space', 'ns/app '],
    ['a tab', 'ns/app:\tv1'],
    ['a newline', 'ns/app\n'],
    ['upper case in the name', 'ns/App'],
    ['upper case in the namespace (two components, so not a host)', 'NS/app'],
    ['upper case in a single component', 'App:v1'],
    ['upper case in the path after a host', 'quay.io/Org/app'],
    ['an empty tag', 'ns/app:'],
    ['a tag starting with a dash', 'ns/app:-v1'],
    ['a tag starting with a dot', 'ns/app:.v1'],
    ['a tag with a plus', 'ns/app:v1+build'],
    ['a tag longer than 128 characters', `ns/app:${'a'.repeat(129)}`],
    ['an empty digest', 'ns/app@'],
    ['a digest without algorithm', `ns/app@${'ab'.repeat(32)}`],
    ['a sha256 digest that is too short', 'ns/app@sha256:abc123'],
    ['a sha256 digest that is too long', `ns/app@sha256:${'ab'.repeat(32)}0`],
    ['a sha256 digest with non-hex characters', `ns/app@sha256:${'zz'.repeat(32)}`],
    ['a sha256 digest with non-hex upper case', `ns/app@sha256:${'ZZ'.repeat(32)}`],
    ['an algorithm in upper case', `ns/app@SHA256:${'ab'.repeat(32)}`],
    ['two digests', `ns/app@${D}@${D}`],
    ['a port that is not a number', 'registry:http/ns/app'],
    ['a tag after a digest', `ns/app@${D}:v1`],
  ];
  it.each(cases)('%s: %j', (_why, text) => {
    expect(() => parseReference(text)).toThrow(InvalidReferenceError);
  });

  it('says which reference and why, as a PrunerError with a stable name', () => {
    let caught: unknown;
    try {
      parseReference('ns/App:v1');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(PrunerError);
    const err = caught as InvalidReferenceError;
    expect(err.name).toBe('InvalidReferenceError');
    expect(err.message).toContain('ns/App:v1');
    expect(err.message).toMatch(/upper case/i);
  });
});
