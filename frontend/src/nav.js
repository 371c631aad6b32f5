/**
 * The header's navigation groups, from /api/me's pages.
 *
 * The server files each page under a group (frontend/pages.py `Group`) and
 * sends the pages group by group; this only gathers them, in the order the
 * groups first appear, so the frontend holds no rule of its own. A page
 * without a group (an older server) goes into one unnamed group. `name` is the
 * group's key (ids, comparisons); `label` is its name in the reader's language.
 */
export function navGroups(pages) {
  const groups = []
  const byName = new Map()
  for (const page of pages) {
    const name = page.group || ''
    let group = byName.get(name)
    if (!group) {
      group = { name, label: page.group_label || name, pages: [] }
      byName.set(name, group)
      groups.push(group)
    }
    group.pages.push(page)
  }
  return groups
}
