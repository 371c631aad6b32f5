// Every test sees the portal on the organisation's clock, as /api/me sets it
// (session.js normalizeMe): Europe/Zurich, the zone of the test settings.
import { setTimeZone } from '../src/format/time.js'

setTimeZone('Europe/Zurich')

// Every mounted component has the catalogues (src/i18n.js), in English unless a test says
// otherwise; setLocale('fr') in a test is undone after it.
import { afterEach } from 'vitest'
import { config } from '@vue/test-utils'
import { i18n, setLocale } from '../src/i18n.js'

config.global.plugins = [...(config.global.plugins || []), i18n]
afterEach(() => setLocale('en'))
