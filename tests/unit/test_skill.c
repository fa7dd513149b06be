#include "unit.h"

Suite *
suite_skill(void)
{
	return suite_create("skill");
}
