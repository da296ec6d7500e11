// Summarises a V8 .cpuprofile (node --cpu-prof) so the hot paths of a benchmark can be read
// without a GUI. Usage: node bench/profile-summary.ts FILE [options]
//   --top N           rows to print (default 25)
//   --from S --to S   only the samples between S and S seconds after the profile started (one
//                     phase of a run: the claims, not the ceiling that follows them)
//   --inclusive       time including callees (default: self time)
//   --timeline        how busy the process was in each half second, to find the phases
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SummaryOptions {
  top?: number;
  fromSeconds?: number;
  toSeconds?: number;
  inclusive?: boolean;
}

const label = ({ functionName, url, lineNumber }: ProfileNode['callFrame']) =>
  `${functionName || '(anonymous)'}\t${url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/work\/main\//, '')}:${lineNumber + 1}`;

/** Each sample with its time (seconds since the profile started) and its node. */
function samplesOf(profile: Profile): { seconds: number; node: number }[] {
  let time = profile.startTime;
  return profile.samples.map((node, i) => {
    time += profile.timeDeltas[i] ?? 0;
    return { seconds: (time - profile.startTime) / 1e6, node };
  });
}

/** Share of samples per function (name and file), largest first: self or inclusive time. */
export function summarise(
  file: string,
  options: SummaryOptions = {},
): { share: number; name: string; where: string }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes)
    for (const child of node.children ?? []) parent.set(child, node.id);
  const from = options.fromSeconds ?? 0;
  const to = options.toSeconds ?? Infinity;
  const counts = new Map<string, number>();
  let total = 0;
  for (const sample of samplesOf(profile)) {
    if (sample.seconds < from || sample.seconds > to) continue;
    total++;
    // Inclusive: every function on the stack counts once per sample (recursion counted once).
    const keys = new Set<string>();
    for (let id: number | undefined = sample.node; id !== undefined;) {
      keys.add(label(byId.get(id)!.callFrame));
      id = options.inclusive ? parent.get(id) : undefined;
    }
    for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts]
    .filter(([key]) => !options.inclusive || !/^\((root|program|idle)\)/.test(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.top ?? 25)
    .map(([key, hits]) => {
      const [name, where] = key.split('\t');
      return { share: Number(((hits / total) * 100).toFixed(1)), name: name!, where: where! };
    });
}

/** How busy (not idle) the process was in each half second of the profile. */
export function timeline(file: string): { fromSeconds: number; busy: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const idle = new Set(
    profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id),
  );
  const buckets = new Map<number, { all: number; busy: number }>();
  for (const sample of samplesOf(profile)) {
    const key = Math.floor(sample.seconds * 2) / 2;
    const bucket = buckets.get(key) ?? { all: 0, busy: 0 };
    bucket.all++;
    if (!idle.has(sample.node)) bucket.busy++;
    buckets.set(key, bucket);
  }
  return [...buckets]
    .sort((a, b) => a[0] - b[0])
    .map(([fromSeconds, { all, busy }]) => ({ fromSeconds, busy: busy / all }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      inclusive: { type: 'boolean' },
      timeline: { type: 'boolean' },
    },
  });
  const file = positionals[0];
  if (!file) {
    console.error(
      'Usage: profile-summary.ts FILE [--top N] [--from S --to S] [--inclusive] [--timeline]',
    );
    process.exitCode = 2;
  } else if (values.timeline) {
    for (const row of timeline(file))
      console.log(
        `${row.fromSeconds.toFixed(1).padStart(6)} s  ${(row.busy * 100).toFixed(0)} % busy`,
      );
  } else {
    const rows = summarise(file, {
      top: values.top === undefined ? 25 : Number(values.top),
      fromSeconds: values.from === undefined ? undefined : Number(values.from),
      toSeconds: values.to === undefined ? undefined : Number(values.to),
      inclusive: values.inclusive,
    });
    for (const row of rows)
      console.log(`${String(row.share).padStart(5)} %  ${row.name}  ${row.where}`);
  }
}
