import { describe, expect, it } from 'vitest';
import { inlineScriptHashes } from '../../../server/http/inline-scripts';

describe('inline script hashes for the CSP', () => {
  it("hashes each attribute-less <script>'s exact text, as browsers do (MDN's example)", () => {
    const html = `<head><script>alert('Hello, world.');</script><script type="module" src="/a.js"></script></head>`;
    expect(inlineScriptHashes(html)).toEqual(["'sha256-qznLcsROx4GACP2dm0UCKCzCG+HiZ1guq6ZZDob/Tng='"]);
  });

  it('finds none in a page without inline scripts', () => {
    expect(inlineScriptHashes('<script type="module" src="/a.js"></script>')).toEqual([]);
  });
});
