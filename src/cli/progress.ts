// A progress line on stderr for long scans: files, commits, bytes and MB/s. Only on a TTY;
// cli-progress is loaded only then, so piped and hook runs never pay for it.
export interface Progress {
  update(files: number, bytes: number, commits: number): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

export async function startProgress(enabled: boolean, stream: NodeJS.WriteStream = process.stderr): Promise<Progress> {
  if (!enabled || !stream.isTTY) return NONE;
  const { SingleBar } = await import('cli-progress');
  const started = Date.now();
  const bar = new SingleBar(
    {
      stream,
      format: 'scanning {files} files, {commits} commits, {mb} MB at {rate} MB/s',
      hideCursor: true,
      clearOnComplete: true,
      fps: 5,
      noTTYOutput: false,
    },
  );
  bar.start(0, 0, { files: 0, commits: 0, mb: '0.0', rate: '0.0' });
  return {
    update(files, bytes, commits) {
      const seconds = Math.max((Date.now() - started) / 1000, 0.001);
      const mb = bytes / 1024 / 1024;
      bar.update(0, { files, commits, mb: mb.toFixed(1), rate: (mb / seconds).toFixed(1) });
    },
    stop() {
      bar.stop();
    },
  };
}
