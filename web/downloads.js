// Files the page hands to the person (model JSON, metrics CSV, charts PNG). Main thread.

export function download(name, content, type = "application/octet-stream") {
  const url = content.startsWith?.("data:") ? content : URL.createObjectURL(new Blob([content], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  if (!url.startsWith("data:")) setTimeout(() => URL.revokeObjectURL(url), 0);
}

// The charts stacked into one PNG (a data URL), on a white background.
export function chartsPNG(charts) {
  // charts: [{canvas, title}], stacked, each under its title, on white.
  const scale = Math.max(...charts.map(({ canvas }) => canvas.width / (canvas.clientWidth || canvas.width)));
  const titleHeight = Math.round(24 * scale);
  const width = Math.max(...charts.map(({ canvas }) => canvas.width));
  const height = charts.reduce((sum, { canvas }) => sum + titleHeight + canvas.height, 0);
  const out = document.createElement("canvas");
  out.width = width;
  out.height = height;
  const ctx = out.getContext("2d");
  ctx.fillStyle = "#fff";
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#212529";
  ctx.font = `600 ${Math.round(14 * scale)}px system-ui, sans-serif`;
  ctx.textBaseline = "middle";
  let y = 0;
  for (const { canvas, title } of charts) {
    ctx.fillText(title, Math.round(8 * scale), y + titleHeight / 2);
    ctx.drawImage(canvas, 0, y + titleHeight);
    y += titleHeight + canvas.height;
  }
  return out.toDataURL("image/png");
}
