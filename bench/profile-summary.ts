// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, so the
// hot paths of a benchmark can be read without a GUI. Usage: node --import tsx
// bench/profile-summary.ts FILE [N]
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount: number;
}

/** Self-time share per function (name and file), largest first. */
export function summarise(
  file: string,
  top = 25,
): { share: number; name: string; where: string }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[] };
  const total = profile.nodes.reduce((sum, node) => sum + node.hitCount, 0);
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = `${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/main\//, '')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}\t${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + node.hitCount);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, hits]) => {
      const [name, where] = key.split('\t');
      return { share: Number(((hits / total) * 100).toFixed(1)), name: name!, where: where! };
    });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [file, top] = process.argv.slice(2);
  for (const row of summarise(file!, Number(top ?? 25)))
    console.log(`${String(row.share).padStart(5)} %  ${row.name}  ${row.where}`);
}
