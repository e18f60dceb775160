/** Bad arguments: every problem named, exit 2 (nothing was read or changed). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** The command could not do its job (missing resource, refused change, AWS error): exit 1. */
export class CliError extends Error {
  override readonly name = 'CliError';
}

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;
