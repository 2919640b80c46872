// The agency tree as a staff member may pick from it: their own agency and everything below.
import * as reference from '../api/reference'
import type { AgencyTreeNode } from '../api/types'
import { session } from '../session'

function subtree(node: AgencyTreeNode, code: string): AgencyTreeNode | null {
  if (node.code === code) return node
  for (const child of node.children ?? []) {
    const found = subtree(child, code)
    if (found) return found
  }
  return null
}

/** The caller's own agency with its subtree, as the one root of a picker (empty if unknown). */
export async function ownAgencyTree(): Promise<AgencyTreeNode[]> {
  try {
    const own = subtree(await reference.agencies(), session.me?.agency_code ?? '')
    return own ? [own] : []
  } catch {
    return []
  }
}
