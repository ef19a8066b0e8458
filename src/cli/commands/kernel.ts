import type { Command } from 'commander';

export function register(_program: Command): void {
  // commands of this group are added by their module
}
