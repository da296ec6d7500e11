/**
 * A short human name of the browser behind a User-Agent header ("Firefox 128 on Linux"), for
 * the list of sessions. It only has to be recognisable, not exact; unknown agents are shown as
 * they came, cut short.
 */
export function describeUserAgent(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown browser';
  const ua = userAgent;
  const browsers: [RegExp, string][] = [
    [/Edg(?:e|A|iOS)?\/(\d+)/, 'Edge'],
    [/OPR\/(\d+)/, 'Opera'],
    [/Firefox\/(\d+)/, 'Firefox'],
    [/FxiOS\/(\d+)/, 'Firefox'],
    [/CriOS\/(\d+)/, 'Chrome'],
    [/Chrom(?:e|ium)\/(\d+)/, 'Chrome'],
    [/Version\/(\d+)[^ ]* (?:Mobile\/\S+ )?Safari\//, 'Safari'],
    [/^curl\/(\d+)/, 'curl'],
    [/^node|undici/i, 'Node.js'],
  ];
  const systems: [RegExp, string][] = [
    [/Android/, 'Android'],
    [/iPhone|iPad|iPod/, 'iOS'],
    [/Windows/, 'Windows'],
    [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'],
    [/Linux/, 'Linux'],
  ];
  const system = systems.find(([pattern]) => pattern.test(ua))?.[1];
  for (const [pattern, name] of browsers) {
    const match = pattern.exec(ua);
    if (!match) continue;
    const version = match[1] ? ` ${match[1]}` : '';
    return system ? `${name}${version} on ${system}` : `${name}${version}`;
  }
  const short = ua.length > 60 ? `${ua.slice(0, 60)}…` : ua;
  return system ? `${short} (${system})` : short;
}
