// 单位信息: the unit's details in force and its own correction of them (reviewed by its agency).
import { get, put } from './http'
import type { UnitDetailsForm, UnitProfile } from './types'

export const profile = () => get<UnitProfile>('/api/unit/profile')
export const changeDetails = (form: UnitDetailsForm) => put<UnitProfile>('/api/unit/profile', form)
