/** One line of a chart: points (x, y) with a name and a colour. */
export interface Series {
  name: string;
  color: string;
  points: [number, number][];
}

const escape = (text: string) =>
  text.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!);

/** A small line chart with a logarithmic x axis, as standalone SVG (no dependencies). */
export function lineChartSvg(options: {
  title: string;
  xLabel: string;
  yLabel: string;
  series: Series[];
}): string {
  const width = 640;
  const height = 320;
  const pad = { left: 70, right: 160, top: 40, bottom: 50 };
  const xs = options.series.flatMap((s) => s.points.map(([x]) => x));
  const ys = options.series.flatMap((s) => s.points.map(([, y]) => y));
  const [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  const yMax = Math.max(1, ...ys) * 1.1;
  const lx = (x: number) =>
    xMax === xMin
      ? pad.left + (width - pad.left - pad.right) / 2
      : pad.left +
        ((Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin))) *
          (width - pad.left - pad.right);
  const ly = (y: number) => height - pad.bottom - (y / yMax) * (height - pad.top - pad.bottom);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="${width / 2 - pad.right / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escape(options.title)}</text>`,
    `<line x1="${pad.left}" y1="${height - pad.bottom}" x2="${width - pad.right}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<line x1="${pad.left}" y1="${pad.top}" x2="${pad.left}" y2="${height - pad.bottom}" stroke="#333"/>`,
    `<text x="${(pad.left + width - pad.right) / 2}" y="${height - 12}" text-anchor="middle">${escape(options.xLabel)}</text>`,
    `<text x="16" y="${height / 2}" text-anchor="middle" transform="rotate(-90 16 ${height / 2})">${escape(options.yLabel)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax / 4) * i;
    parts.push(
      `<line x1="${pad.left - 4}" y1="${ly(y)}" x2="${width - pad.right}" y2="${ly(y)}" stroke="#ddd"/>`,
      `<text x="${pad.left - 8}" y="${ly(y) + 4}" text-anchor="end">${Math.round(y)}</text>`,
    );
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    parts.push(
      `<text x="${lx(x)}" y="${height - pad.bottom + 16}" text-anchor="middle">${x.toLocaleString('en')}</text>`,
    );
  }
  options.series.forEach((series, index) => {
    const path = series.points
      .map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${lx(x).toFixed(1)},${ly(y).toFixed(1)}`)
      .join(' ');
    parts.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="2"/>`);
    for (const [x, y] of series.points)
      parts.push(`<circle cx="${lx(x)}" cy="${ly(y)}" r="3" fill="${series.color}"/>`);
    const ly0 = pad.top + 10 + index * 18;
    parts.push(
      `<line x1="${width - pad.right + 12}" y1="${ly0}" x2="${width - pad.right + 32}" y2="${ly0}" stroke="${series.color}" stroke-width="2"/>`,
      `<text x="${width - pad.right + 38}" y="${ly0 + 4}">${escape(series.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
