/** Whether an error is a system error with this code (ENOENT, EEXIST, …). */
export function isErrno(err: unknown, code: string): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === code;
}
