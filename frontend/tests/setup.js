// Every test sees the portal on the organisation's clock, as /api/me sets it
// (session.js normalizeMe): Europe/Zurich, the zone of the test settings.
import { setTimeZone } from '../src/format/time.js'

setTimeZone('Europe/Zurich')
