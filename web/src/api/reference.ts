import { get } from './http'
import type { Activity, AddressBookEntry, Office, TreeNode } from './types'

export const agencies = () => get<TreeNode>('/api/reference/agencies')
export const offices = () => get<Office[]>('/api/reference/offices')
export const addressBook = () => get<AddressBookEntry[]>('/api/reference/address-book')
export const unitNatures = () => get<string[]>('/api/reference/unit-natures')
export const certificateTypes = () => get<string[]>('/api/reference/certificate-types')
export const regions = () => get<TreeNode>('/api/reference/regions')
export const activities = () => get<Activity[]>('/api/reference/activities')

/** Template downloads (same origin: plain links). */
export const MEMBER_TEMPLATE_URL = '/api/templates/members'
export const OVERAGE_PROOF_TEMPLATE_URL = '/api/templates/overage-proof'
