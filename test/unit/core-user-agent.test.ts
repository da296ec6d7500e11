import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { describeUserAgent } from '../../src/core/user-agent.rules.ts';

describe('the browser of a session, from its User-Agent', () => {
  it('names common browsers and systems', () => {
    const cases: [string | null, string][] = [
      [
        'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
        'Firefox 128 on Linux',
      ],
      [
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0',
        'Edge 126 on Windows',
      ],
      [
        'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
        'Safari 17 on macOS',
      ],
      [
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
        'Safari 17 on iOS',
      ],
      [
        'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36',
        'Chrome 126 on Android',
      ],
      ['curl/8.5.0', 'curl 8'],
      [null, 'Unknown browser'],
      ['', 'Unknown browser'],
    ];
    for (const [agent, expected] of cases) assert.equal(describeUserAgent(agent), expected);
  });

  it('shows an unknown agent as it came, cut short', () => {
    assert.equal(describeUserAgent('my-script/1.0'), 'my-script/1.0');
    const long = 'x'.repeat(300);
    assert.equal(describeUserAgent(long), `${'x'.repeat(60)}…`);
  });
});
