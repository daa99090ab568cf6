/** Why a connection was refused: the server is full, or the address is. */
export type ConnectionRefusal = 'total' | 'per_ip';

/** Open WebSocket connections, in total and per client IP, against their caps. */
export class ConnectionCounter {
  private total = 0;
  private readonly byIp = new Map<string, number>();

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerIp: number,
  ) {}

  /** Counts a new connection, or says why it may not open. */
  open(ip: string | null): ConnectionRefusal | undefined {
    const key = ip ?? 'unknown';
    const forIp = this.byIp.get(key) ?? 0;
    if (this.total >= this.maxTotal) return 'total';
    if (forIp >= this.maxPerIp) return 'per_ip';
    this.total += 1;
    this.byIp.set(key, forIp + 1);
    return undefined;
  }

  /** Forgets a connection that closed (or whose upgrade failed). */
  close(ip: string | null): void {
    const key = ip ?? 'unknown';
    const forIp = this.byIp.get(key) ?? 0;
    this.total -= 1;
    if (forIp <= 1) this.byIp.delete(key);
    else this.byIp.set(key, forIp - 1);
  }
}
